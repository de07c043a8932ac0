/**
 * A study, not a benchmark (docs/memory.md, "Measuring retrieval"): would weighing a rule's
 * "Applies when:" line apart from the rest of its body, or how much of the rule's own scope the
 * task covers, choose the rules that apply better than the store's rarity score — on tasks the
 * weights were not chosen on? Same store, search and selection as the benchmark: the PostgreSQL
 * store's top 50 for each labelled task, re-scored, then `selectMemories` with the task's paths.
 *
 * For each record found, each query word it holds is placed (PostgreSQL's own stemming): in the
 * title, in the applies-when line, or only in the rest of the body; its rarity is the store's
 * (memory/rarity.ts, from `memory_lexemes`). A record scores the sum of its words' rarity, whole in
 * the title, `scope` of it in the applies-when line, `body` of it elsewhere in the body; a review
 * rule's score may also be multiplied by (the rarity of its title and scope words the task holds /
 * the rarity of all of them) ^ `cover`. Every setting is chosen on half of the tasks (best
 * precision at recall ≥ 0.9 there) and scored on the other half, both ways.
 *
 * Run: node --import tsx bench/memory-scope.study.ts
 */

import { createPostgresMemory } from '../packages/server/src/adapters/memory/postgres.ts';
import { rarity } from '../packages/server/src/memory/rarity.ts';
import { APPLIES_WHEN_PREFIX } from '../packages/server/src/memory/rule-body.ts';
import { DEFAULT_MIN_SCORE, selectMemories } from '../packages/server/src/memory/select.ts';
import type { ScoredMemory } from '../packages/server/src/ports/memory.ts';
import { createPool } from '../packages/server/src/storage/db.ts';
import { migrate } from '../packages/server/src/storage/migrate.ts';
import { startBenchDatabase } from './bench-database.ts';
import { RECALL_TARGET } from './memory-retrieval-cv.ts';
import {
  loadLabelledSet,
  type RetrievalScore,
  type Searched,
  scoreChoices,
  searchTasks,
  seedLabelledSet,
} from './memory-retrieval-eval.ts';

const REPO = 'acme/app';

interface Placed {
  rarity: number;
  where: 'title' | 'scope' | 'body';
}
interface Setting {
  scope: number;
  body: number;
  cover: number;
  minRelativeScore: number;
  minScore: number;
  /** The floor applies to review rules only; other kinds keep the default (0.75). */
  rulesOnly?: boolean;
}

const database = await startBenchDatabase();
const db = createPool(database.url, 2);
try {
  await migrate(db);
  const memory = createPostgresMemory(db);
  const set = loadLabelledSet();
  const ruleOf = await seedLabelledSet(memory, REPO, set);
  const searched = await searchTasks(memory, REPO, set.tasks);
  const nrec = (await db.query('SELECT nrec FROM memory_repo_sizes WHERE repo = $1', [REPO])).rows[0].nrec;
  const ndoc = new Map<string, number>(
    (
      await db.query<{ lexeme: string; ndoc: number }>(
        'SELECT lexeme, ndoc FROM memory_lexemes WHERE repo = $1',
        [REPO],
      )
    ).rows.map((r) => [r.lexeme, r.ndoc]),
  );
  const lexemes = async (text: string): Promise<string[]> =>
    (
      await db.query<{ l: string }>(`SELECT unnest(tsvector_to_array(to_tsvector('english', $1))) AS l`, [
        text,
      ])
    ).rows.map((r) => r.l);
  const rare = (l: string) => rarity(ndoc.get(l) ?? 1, nrec);

  // Per task and record found: the query words it holds, placed; and its own scope words.
  const placed = new Map<string, Placed[]>();
  const scopeWords = new Map<string, string[]>();
  for (const { task, found } of searched) {
    const query = new Set(
      await lexemes(
        `${task.description} ${task.paths.map((p) => p.split('/').slice(-2).join(' ')).join(' ')}`,
      ),
    );
    for (const { record } of found) {
      const [rest = '', when = ''] = record.body.split(`\n${APPLIES_WHEN_PREFIX}`);
      const title = new Set(await lexemes(record.title));
      const scope = new Set(await lexemes(when));
      const body = new Set(await lexemes(rest));
      scopeWords.set(record.id, [...new Set([...title, ...scope])]);
      placed.set(
        `${task.id}:${record.id}`,
        [...query].flatMap((l): Placed[] => {
          const where = title.has(l) ? 'title' : scope.has(l) ? 'scope' : body.has(l) ? 'body' : undefined;
          return where ? [{ rarity: rare(l), where }] : [];
        }),
      );
    }
  }

  const rescored = (s: Setting, { task, found }: Searched): ScoredMemory[] =>
    found
      .map(({ record }) => {
        const words = placed.get(`${task.id}:${record.id}`) ?? [];
        let score = words.reduce(
          (n, w) => n + w.rarity * (w.where === 'title' ? 1 : w.where === 'scope' ? s.scope : s.body),
          0,
        );
        if (s.cover > 0 && record.kind === 'review_rule') {
          const own = scopeWords.get(record.id) ?? [];
          const all = own.reduce((n, l) => n + rare(l), 0);
          const held = words.filter((w) => w.where !== 'body').reduce((n, w) => n + w.rarity, 0);
          score *= all > 0 ? Math.min(1, held / all) ** s.cover : 1;
        }
        return { record, score };
      })
      .filter((f) => f.score > 0)
      .sort((a, b) => b.score - a.score);

  const evaluate = (s: Setting, tasks: readonly Searched[]): RetrievalScore =>
    scoreChoices(
      tasks.map((t) => ({ task: t.task, found: rescored(s, t) })),
      ruleOf,
      (found, task) =>
        selectMemories(found, {
          minScore: s.rulesOnly ? DEFAULT_MIN_SCORE : s.minScore,
          minRelativeScore: s.minRelativeScore,
          minRuleScore: s.minScore,
          minRuleRelativeScore: s.minRelativeScore,
          paths: task.paths,
        }).chosen,
    );

  type Family = Partial<Record<'scope' | 'body' | 'cover', number[]>> & { rulesOnly?: boolean };
  const settings = (family: Family): Setting[] =>
    (family.scope ?? [0.5]).flatMap((scope) =>
      (family.body ?? [0.5]).flatMap((body) =>
        (family.cover ?? [0]).flatMap((cover) =>
          [0, 0.2, 0.3, 0.4, 0.5, 0.6].flatMap((minRelativeScore) =>
            Array.from({ length: 38 }, (_, i) => ({
              scope,
              body,
              cover,
              minRelativeScore,
              minScore: 0.1 + i * 0.05,
              rulesOnly: family.rulesOnly ?? false,
            })),
          ),
        ),
      ),
    );
  const best = (grid: Setting[], tasks: readonly Searched[]) => {
    let out: { s: Setting; score: RetrievalScore } | undefined;
    for (const s of grid) {
      const score = evaluate(s, tasks);
      if (score.recall < RECALL_TARGET) continue;
      if (
        !out ||
        score.precision > out.score.precision ||
        (score.precision === out.score.precision && score.recall > out.score.recall)
      )
        out = { s, score };
    }
    return out;
  };
  const f = (x: number) => x.toFixed(2);
  const show = (s: Setting) =>
    `scope ${s.scope}, body ${s.body}, cover ${s.cover}, share ${s.minRelativeScore}, ${s.rulesOnly ? 'rules’ ' : ''}floor ${f(s.minScore)}`;
  const families: [string, Family][] = [
    ['rarity alone (the store before the scope weighting; share and floor only)', {}],
    ['applies-when line weighed apart', { scope: [0.5, 0.75, 1], body: [0, 0.1, 0.25, 0.5] }],
    ['× the rule scope the task covers', { cover: [0.5, 1, 1.5] }],
    ['× the rule scope the task covers, a floor for rules only', { cover: [0.5, 1, 1.5], rulesOnly: true }],
    ['both', { scope: [0.5, 0.75, 1], body: [0, 0.25, 0.5], cover: [0, 0.5, 1] }],
  ];
  const halves = [searched.filter((_, i) => i % 2 === 0), searched.filter((_, i) => i % 2 === 1)];
  for (const [name, family] of families) {
    const grid = settings(family);
    const all = best(grid, searched);
    console.log(`\n${name}`);
    console.log(
      all
        ? `  tuned on all 30, scored on all 30: recall ${f(all.score.recall)}, precision ${f(all.score.precision)} (${show(all.s)})`
        : '  no setting reaches recall 0.9 on all 30',
    );
    let hits = 0;
    let labelled = 0;
    let shown = 0;
    for (const k of [0, 1]) {
      const train = halves[1 - k] as Searched[];
      const test = halves[k] as Searched[];
      const chosen = best(grid, train);
      if (!chosen) {
        console.log(`  fold ${k + 1}: no setting reaches recall 0.9 on the other half`);
        continue;
      }
      const got = evaluate(chosen.s, test);
      hits += got.hits;
      labelled += got.labelled;
      shown += got.shown;
      console.log(
        `  fold ${k + 1}: chosen on the other half (${show(chosen.s)}; there ${f(chosen.score.recall)}/${f(chosen.score.precision)}): recall ${f(got.recall)}, precision ${f(got.precision)}, ${Math.round(got.tokensPerTask)} tokens a task`,
      );
    }
    console.log(`  held-out halves together: recall ${f(hits / labelled)}, precision ${f(hits / shown)}`);
  }
} finally {
  await db.end();
  await database.close();
}
process.exit(0);
