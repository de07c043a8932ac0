/**
 * Memory retrieval (docs/memory.md, "Measuring retrieval"):
 * 1. Quality: the labelled set (bench/data/memory) in the PostgreSQL store; for each follow-up
 *    task, the query hydration makes → `search` → `selectMemories` within the default budget.
 *    Recall and precision of the rules that reach the prompt and the tokens memory adds, next to
 *    two baselines from the same run: the top 8 search results without selection, and every rule.
 * 2. Scale: 100,000 records in one repo (and 20,000 in four others); search p95 next to a
 *    primary-key lookup of a record in the same table; the median of several runs with their spread.
 * The quality figures are deterministic (the same set, the same store, the same answer every run):
 * measured once, and their names say so.
 * `--explain` prints each task the selection gets wrong; `--quality` skips the scale part.
 */
import type pg from 'pg';
import { ulid } from 'ulid';
import { createPostgresMemory, pathTerms } from '../packages/server/src/adapters/memory/postgres.ts';
import type { Memory } from '../packages/server/src/ports/memory.ts';
import { createPool } from '../packages/server/src/storage/db.ts';
import { migrate } from '../packages/server/src/storage/migrate.ts';
import { startBenchDatabase } from './bench-database.ts';
import { type BenchResult, fromRuns, percentile, printTable, withBaseline } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';
import { crossValidate } from './memory-retrieval-cv.ts';
import {
  evaluateRetrieval,
  type LabelledSet,
  loadLabelledSet,
  scoreChoices,
  searchTasks,
  seedLabelledSet,
  selected,
  sizeOf,
  topK,
} from './memory-retrieval-eval.ts';

const REPO = 'acme/app';
const SCALE_RECORDS = benchConfig.memoryRecords;
const OTHER_REPOS = 4;
const OTHER_RECORDS = 5_000;
const SAMPLES = benchConfig.memorySamples;
const RUNS = benchConfig.runs;
const EXACT = '(deterministic: one run)';

/** A small deterministic generator (mulberry32): the same records every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ (t + t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Records that look like a busy repo's memory: episodes, repo knowledge and rules whose words come
 * from a wide vocabulary (3,000 words) and, one word in six, from the labelled tasks' and rules'
 * own words — so each task's search matches a good share of them, as common words would in a real
 * repo. Bulk-inserted through SQL (the store's `add` a record at a time would take minutes).
 */
async function seedScale(
  db: pg.Pool,
  set: LabelledSet,
  repo: string,
  n: number,
  seed: number,
): Promise<void> {
  const labelled = [
    ...new Set(
      [...set.tasks.map((t) => `${t.description} ${t.paths.join(' ')}`), ...set.rules.map((r) => r.body)]
        .join(' ')
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length > 2),
    ),
  ];
  const next = rng(seed);
  const syllables = ['ka', 'ro', 'mi', 'tu', 'sel', 'van', 'dor', 'pex', 'lin', 'qua', 'zer', 'bo'];
  const wide = Array.from({ length: 3000 }, (_, i) =>
    [i % 12, Math.floor(i / 12) % 12, Math.floor(i / 144) % 12].map((j) => syllables[j]).join(''),
  );
  const paths = [...new Set(set.tasks.flatMap((t) => t.paths))];
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] as T;
  const sentence = (len: number) =>
    Array.from({ length: len }, () => (next() < 1 / 6 ? pick(labelled) : pick(wide))).join(' ');
  const kinds = ['episode', 'episode', 'episode', 'repo_knowledge', 'repo_knowledge', 'review_rule'];
  const provenance = JSON.stringify({ source: 'import' });
  for (let start = 0; start < n; start += 2000) {
    const rows = Array.from({ length: Math.min(2000, n - start) }, () => {
      const path = pick(paths);
      return {
        id: `mem_${ulid()}`,
        kind: pick(kinds),
        title: sentence(6 + Math.floor(next() * 6)),
        body: sentence(25 + Math.floor(next() * 40)),
        citations: JSON.stringify([{ kind: 'file', path }]),
        terms: pathTerms([{ kind: 'file', path }]),
      };
    });
    await db.query(
      `INSERT INTO memory_records (id, repo, kind, title, body, citations, provenance, path_terms)
       SELECT id, $1, kind, title, body, citations::jsonb, $2::jsonb, terms
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           AS r(id, kind, title, body, citations, terms)`,
      [
        repo,
        provenance,
        rows.map((r) => r.id),
        rows.map((r) => r.kind),
        rows.map((r) => r.title),
        rows.map((r) => r.body),
        rows.map((r) => r.citations),
        rows.map((r) => r.terms),
      ],
    );
  }
}

async function timed(samples: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return ms;
}

async function quality(memory: Memory, set: LabelledSet, explain: boolean): Promise<BenchResult[]> {
  const ruleOf = await seedLabelledSet(memory, REPO, set);
  const searched = await searchTasks(memory, REPO, set.tasks);
  const sel = scoreChoices(searched, ruleOf, selected);
  const top = scoreChoices(searched, ruleOf, topK(8));
  const cv = crossValidate(searched, ruleOf, 2);
  const rules = await memory.list(REPO, { kind: 'review_rule', limit: 1000 });
  const allChars = rules.reduce((n, r) => n + sizeOf(r), 0);
  const all = await evaluateRetrieval(memory, REPO, set, ruleOf, () => rules, { searchLimit: 1 });
  if (explain) for (const m of sel.misses) console.error(`${m.task}: missed ${m.missed} extra ${m.extra}`);
  for (const [k, f] of cv.folds.entries())
    console.error(
      `cross-validation, fold ${k + 1} of ${cv.folds.length} (tasks ${k + 1}, ${k + 1 + cv.folds.length}, …): rules' share ${f.setting.minRuleRelativeScore}, floor ${f.setting.minRuleScore.toFixed(2)} chosen on the other tasks (recall ${f.train.recall.toFixed(2)}, precision ${f.train.precision.toFixed(2)} there); on this fold recall ${f.test.recall.toFixed(2)}, precision ${f.test.precision.toFixed(2)}`,
    );
  const what = `${set.tasks.length} tasks, ${set.rules.length} rules from ${set.comments.length} review comments, ${EXACT}`;
  return [
    withBaseline(`recall, selection within budget (${what})`, sel.recall, '', 'top 8 by search', top.recall),
    withBaseline(
      `precision, selection within budget ${EXACT}`,
      sel.precision,
      '',
      'top 8 by search',
      top.precision,
    ),
    withBaseline(
      `precision, selection within budget ${EXACT}`,
      sel.precision,
      '',
      'every rule',
      all.precision,
    ),
    withBaseline(
      `recall, settings chosen on the other half of the tasks (2-fold cross-validation) ${EXACT}`,
      cv.pooled.recall,
      '',
      'the defaults on all tasks',
      sel.recall,
    ),
    withBaseline(
      `precision, settings chosen on the other half of the tasks (2-fold cross-validation) ${EXACT}`,
      cv.pooled.precision,
      '',
      'the defaults on all tasks',
      sel.precision,
    ),
    withBaseline(
      `tokens memory adds per task ${EXACT}`,
      sel.tokensPerTask,
      'tokens',
      'top 8 by search',
      top.tokensPerTask,
    ),
    withBaseline(
      `tokens memory adds per task ${EXACT}`,
      sel.tokensPerTask,
      'tokens',
      'every rule',
      allChars / 4,
    ),
  ];
}

async function scale(db: pg.Pool, memory: Memory, set: LabelledSet): Promise<BenchResult[]> {
  await seedScale(db, set, REPO, SCALE_RECORDS, 11);
  for (let r = 0; r < OTHER_REPOS; r++) await seedScale(db, set, `acme/other-${r}`, OTHER_RECORDS, 100 + r);
  await db.query('ANALYZE memory_records');
  console.error(`seeded ${SCALE_RECORDS + OTHER_REPOS * OTHER_RECORDS} records`);
  const count = await memory.count(REPO);
  const ids = (
    await db.query<{ id: string }>('SELECT id FROM memory_records WHERE repo = $1 LIMIT 500', [REPO])
  ).rows;
  const query = (i: number) => set.tasks[i % set.tasks.length] as LabelledSet['tasks'][number];
  // Warm both paths (plans, caches) before measuring.
  await timed(3, (i) => memory.search({ repo: REPO, text: query(i).description, paths: query(i).paths }));
  await timed(3, (i) => memory.get(REPO, (ids[i % ids.length] as { id: string }).id));
  const search95: number[] = [];
  const lookup95: number[] = [];
  const search50: number[] = [];
  const lookup50: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const search = await timed(SAMPLES, (i) =>
      memory.search({ repo: REPO, text: query(i).description, paths: query(i).paths }),
    );
    const lookup = await timed(SAMPLES, (i) => memory.get(REPO, (ids[i % ids.length] as { id: string }).id));
    search95.push(percentile(search, 95));
    lookup95.push(percentile(lookup, 95));
    search50.push(percentile(search, 50));
    lookup50.push(percentile(lookup, 50));
  }
  const name = `search p95 of ${SAMPLES}, ${count} records in the repo (+${OTHER_REPOS * OTHER_RECORDS} in others)`;
  return [
    fromRuns(name, search95, 'ms', { name: 'primary-key lookup p95', values: lookup95 }),
    fromRuns(`search median of ${SAMPLES}`, search50, 'ms', {
      name: 'primary-key lookup median',
      values: lookup50,
    }),
  ];
}

export async function run(opts: { explain?: boolean; qualityOnly?: boolean } = {}): Promise<BenchResult[]> {
  const database = await startBenchDatabase();
  const db = createPool(database.url, 4);
  try {
    await migrate(db);
    const memory = createPostgresMemory(db);
    const set = loadLabelledSet();
    const q = await quality(memory, set, opts.explain ?? false);
    return opts.qualityOnly ? q : [...q, ...(await scale(db, memory, set))];
  } finally {
    await db.end();
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run({
    explain: process.argv.includes('--explain'),
    qualityOnly: process.argv.includes('--quality'),
  });
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Memory retrieval', results);
  process.exit(0);
}
