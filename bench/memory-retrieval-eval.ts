/**
 * The retrieval evaluation over the labelled set (bench/data/memory/README.md): the rules distilled
 * from real review comments are stored as `review_rule` records, with distractors, in a real
 * Memory store; each follow-up task asks memory what hydration asks (its description and paths),
 * `selectMemories` chooses within the default budget, and the rules that reach the prompt are
 * scored against the task's labels. Run by bench/memory-retrieval.bench.ts (figures) and by
 * packages/server/test/memory-retrieval.test.ts (the floor the suite guards).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryRecord } from '@abca/contracts';
import { z } from 'zod';
import { ruleBody } from '../packages/server/src/memory/rule-body.ts';
import { selectMemories } from '../packages/server/src/memory/select.ts';
import type { Memory, ScoredMemory } from '../packages/server/src/ports/memory.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data', 'memory');

const Comment = z.strictObject({
  id: z.string().regex(/^c\d+$/),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  pr: z.number().int().positive(),
  url: z.string().url().startsWith('https://github.com/'),
  author: z.string().min(1),
  source: z.enum(['review_thread', 'review', 'pr_comment', 'pr_description', 'issue']),
  path: z.string().optional(),
  line: z.number().int().positive().optional(),
  quote: z.string().min(10).max(400),
});
const Rule = z.strictObject({
  id: z.string().regex(/^R\d+$/),
  category: z.enum(['nit', 'bug', 'style', 'design', 'scope']),
  kind: z.enum(['style', 'bugs', 'design', 'tests', 'security', 'docs']),
  title: z.string().min(1).max(200),
  body: z.string().min(1),
  /** When the rule applies, in the words of the code it is about (stored as the body's last line). */
  applies_when: z.string().min(1),
  comments: z.array(z.string()).min(1),
});
const Distractor = z.strictObject({
  id: z.string().regex(/^[DEK]\d+$/),
  kind: z.enum(['review_rule', 'episode', 'repo_knowledge']),
  category: z.enum(['nit', 'bug', 'style', 'design', 'scope']).optional(),
  title: z.string().min(1).max(200),
  body: z.string().min(1),
  applies_when: z.string().min(1).optional(),
});
const Task = z.strictObject({
  id: z.string().regex(/^T\d+$/),
  description: z.string().min(10),
  paths: z.array(z.string()).min(1),
  rules: z.array(z.string().regex(/^R\d+$/)),
});
export type LabelledComment = z.infer<typeof Comment>;
export type LabelledRule = z.infer<typeof Rule>;
export type LabelledDistractor = z.infer<typeof Distractor>;
export type LabelledTask = z.infer<typeof Task>;

export interface LabelledSet {
  comments: LabelledComment[];
  rules: LabelledRule[];
  distractors: LabelledDistractor[];
  tasks: LabelledTask[];
}

function readLines<T>(file: string, schema: z.ZodType<T>): T[] {
  return readFileSync(join(DATA, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const parsed = schema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

/** The labelled set, validated: every reference resolves, every id is unique. */
export function loadLabelledSet(): LabelledSet {
  const set: LabelledSet = {
    comments: readLines('comments.jsonl', Comment),
    rules: readLines('rules.jsonl', Rule),
    distractors: readLines('distractors.jsonl', Distractor),
    tasks: readLines('tasks.jsonl', Task),
  };
  const ids = [...set.comments, ...set.rules, ...set.distractors, ...set.tasks].map((x) => x.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`labelled set: id ${dup} appears twice`);
  const comments = new Set(set.comments.map((c) => c.id));
  const rules = new Set(set.rules.map((r) => r.id));
  for (const r of set.rules)
    for (const c of r.comments) if (!comments.has(c)) throw new Error(`rule ${r.id}: no comment ${c}`);
  for (const t of set.tasks)
    for (const r of t.rules) if (!rules.has(r)) throw new Error(`task ${t.id}: no rule ${r}`);
  return set;
}

/** A rule's stored body as the review learner stores it: what to do, then when it applies. */
export function labelledBody(r: { body: string; applies_when?: string }): string {
  return ruleBody(r.body, r.applies_when);
}

/**
 * Stores the labelled rules (their comments as citations) and the distractors in `repo`; returns
 * which record id is which labelled rule.
 */
export async function seedLabelledSet(
  memory: Memory,
  repo: string,
  set: LabelledSet,
): Promise<Map<string, string>> {
  const byComment = new Map(set.comments.map((c) => [c.id, c]));
  const ruleOf = new Map<string, string>();
  for (const r of set.rules) {
    const rec = await memory.add({
      repo,
      kind: 'review_rule',
      title: r.title,
      body: labelledBody(r),
      category: r.category,
      citations: r.comments.map((id) => {
        const c = byComment.get(id) as LabelledComment;
        return {
          kind: 'review_comment',
          pr: c.pr,
          comment_id: c.id,
          author: c.author,
          quote: c.quote,
          url: c.url,
        };
      }),
      provenance: { source: 'import' },
      dedupeKey: `bench:${r.id}`,
    });
    ruleOf.set(rec.id, r.id);
  }
  for (const d of set.distractors) {
    await memory.add({
      repo,
      kind: d.kind,
      title: d.title,
      body: labelledBody(d),
      category: d.category ?? null,
      citations: [],
      provenance: { source: 'import' },
      dedupeKey: `bench:${d.id}`,
    });
  }
  return ruleOf;
}

/** How the records that reach a prompt are chosen from a search's results (and the task's paths). */
export type Strategy = (found: ScoredMemory[], task: { paths: string[] }) => MemoryRecord[];

/**
 * What the prompt gets: `selectMemories` with its defaults (the default budget) and the paths the
 * search was given, as hydration calls it (memory/retrieve.ts).
 */
export const selected: Strategy = (found, task) => selectMemories(found, { paths: task.paths }).chosen;

/** A baseline: the first `k` search results, whatever their kind or score, no budget. */
export const topK =
  (k: number): Strategy =>
  (found) =>
    found.slice(0, k).map((f) => f.record);

/** Characters a record takes in the prompt (selectMemories' default size). */
export const sizeOf = (r: MemoryRecord): number => r.title.length + r.body.length + 80;

export interface RetrievalScore {
  /** Labelled rules that reached the prompt / labelled rules (all tasks together). */
  recall: number;
  /** Labelled rules that reached the prompt / rules (review_rule records) that reached it. */
  precision: number;
  /** The counts behind them: labelled rules that reached the prompt, labelled rules, rules shown. */
  hits: number;
  labelled: number;
  shown: number;
  /** Mean tokens memory adds to a task's prompt (characters / 4), every kind counted. */
  tokensPerTask: number;
  /** Tasks where a labelled rule was missed or an unlabelled rule got in, for tuning. */
  misses: { task: string; missed: string[]; extra: string[] }[];
}

/** A task and what the store's search found for it (the query hydration makes). */
export interface Searched {
  task: LabelledTask;
  found: ScoredMemory[];
}

/** Each task's query (its description and paths) through the store's `search`. */
export async function searchTasks(
  memory: Memory,
  repo: string,
  tasks: readonly LabelledTask[],
  opts: { searchLimit?: number } = {},
): Promise<Searched[]> {
  const out: Searched[] = [];
  for (const task of tasks) {
    const found = await memory.search({
      repo,
      text: task.description,
      paths: task.paths,
      limit: opts.searchLimit ?? 50,
    });
    out.push({ task, found });
  }
  return out;
}

/** Scores the rules `strategy` lets reach each task's prompt against the task's labels. */
export function scoreChoices(
  searched: readonly Searched[],
  ruleOf: Map<string, string>,
  strategy: Strategy,
): RetrievalScore {
  let hits = 0;
  let labelled = 0;
  let rulesShown = 0;
  let chars = 0;
  const misses: RetrievalScore['misses'] = [];
  for (const { task, found } of searched) {
    const chosen = strategy(found, task);
    chars += chosen.reduce((n, r) => n + sizeOf(r), 0);
    const shown = chosen.filter((r) => r.kind === 'review_rule').map((r) => ruleOf.get(r.id) ?? r.title);
    const want = new Set(task.rules);
    const got = shown.filter((r) => want.has(r));
    hits += got.length;
    labelled += want.size;
    rulesShown += shown.length;
    const missed = task.rules.filter((r) => !shown.includes(r));
    const extra = shown.filter((r) => !want.has(r));
    if (missed.length || extra.length) misses.push({ task: task.id, missed, extra });
  }
  return {
    recall: labelled ? hits / labelled : 1,
    precision: rulesShown ? hits / rulesShown : 1,
    hits,
    labelled,
    shown: rulesShown,
    tokensPerTask: searched.length ? chars / 4 / searched.length : 0,
    misses,
  };
}

/** Runs every task's query through `strategy` and scores the rules that reach the prompt. */
export async function evaluateRetrieval(
  memory: Memory,
  repo: string,
  set: LabelledSet,
  ruleOf: Map<string, string>,
  strategy: Strategy,
  opts: { searchLimit?: number } = {},
): Promise<RetrievalScore> {
  return scoreChoices(await searchTasks(memory, repo, set.tasks, opts), ruleOf, strategy);
}
