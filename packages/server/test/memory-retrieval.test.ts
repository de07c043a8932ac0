/**
 * The retrieval evaluation of bench/memory-retrieval.bench.ts on the labelled set, against a real
 * PostgreSQL: the rules that reach a prompt through the store's search and `selectMemories`
 * (defaults, the default budget) must keep their recall and precision. No timing here: the
 * figures and the 100,000-record p95 are the benchmark's (docs/benchmarks.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossValidate, RECALL_TARGET } from '../../../bench/memory-retrieval-cv.ts';
import {
  evaluateRetrieval,
  type LabelledSet,
  loadLabelledSet,
  searchTasks,
  seedLabelledSet,
  selected,
  topK,
} from '../../../bench/memory-retrieval-eval.ts';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createPostgresMemory } from '../src/adapters/memory/postgres.ts';
import type { Memory } from '../src/ports/memory.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';

/**
 * The floors the suite guards. Recall is the target (0.9). Precision's target is 0.7; the
 * search weighted by word rarity and, for rules, by the share of their scope the task holds
 * reaches 0.62 on this set (0.52 by rarity alone, 0.41 before; docs/memory.md, "Measuring
 * retrieval"), so the floor guards what is reached and the gap stays visible there.
 */
const MIN_RECALL = 0.9;
const MIN_PRECISION = 0.6;

describe('memory retrieval on the labelled set', () => {
  let pool: Db;
  let memory: Memory;
  let set: LabelledSet;
  let ruleOf: Map<string, string>;
  beforeAll(async () => {
    pool = createPool(await createTestDatabase('memret'), 2);
    await migrate(pool);
    memory = createPostgresMemory(pool);
    set = loadLabelledSet();
    ruleOf = await seedLabelledSet(memory, 'acme/app', set);
    // Another repo holding the same rules: nothing of it may reach acme/app's prompts.
    await seedLabelledSet(memory, 'acme/other', set);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('is a labelled set of the size the issue asks for, every rule traced to its comments', () => {
    expect(set.comments.length).toBeGreaterThanOrEqual(60);
    expect(set.tasks.length).toBeGreaterThanOrEqual(25);
    expect(set.tasks.some((t) => t.rules.length === 0)).toBe(true);
    expect(new Set(set.comments.map((c) => c.repo)).size).toBeGreaterThanOrEqual(30);
    const cited = new Set(set.rules.flatMap((r) => r.comments));
    expect(set.comments.filter((c) => !cited.has(c.id))).toEqual([]);
  });

  it(`brings the rules that apply into the prompt: recall >= ${MIN_RECALL}, precision >= ${MIN_PRECISION}`, async () => {
    const score = await evaluateRetrieval(memory, 'acme/app', set, ruleOf, selected);
    expect(score.recall, JSON.stringify(score.misses)).toBeGreaterThanOrEqual(MIN_RECALL);
    expect(score.precision, JSON.stringify(score.misses)).toBeGreaterThanOrEqual(MIN_PRECISION);
    // Selection earns its place: more precise and cheaper than the search's top 8 as they come.
    const top = await evaluateRetrieval(memory, 'acme/app', set, ruleOf, topK(8));
    expect(score.precision).toBeGreaterThan(top.precision);
    expect(score.tokensPerTask).toBeLessThan(top.tokensPerTask);
  });

  it('reports the selection on tasks its settings were not chosen on (2-fold cross-validation)', async () => {
    const searched = await searchTasks(memory, 'acme/app', set.tasks);
    const cv = crossValidate(searched, ruleOf, 2);
    expect(cv.folds).toHaveLength(2);
    // Every labelled rule is held out once; each setting keeps the recall target where it was chosen.
    expect(cv.folds.reduce((n, f) => n + f.test.labelled, 0)).toBe(set.tasks.flatMap((t) => t.rules).length);
    for (const f of cv.folds) expect(f.train.recall).toBeGreaterThanOrEqual(RECALL_TARGET);
    // The level reached on held-out tasks (docs/memory.md): lower than on the tasks it was tuned on.
    expect(cv.pooled.recall).toBeGreaterThanOrEqual(0.9);
    expect(cv.pooled.precision).toBeGreaterThanOrEqual(0.5);
  });

  it('matches a path by its folder and file name, not by the segments every path shares', async () => {
    const other = await memory.add({
      repo: 'acme/paths',
      kind: 'repo_knowledge',
      title: 'Billing retries',
      body: 'The billing job retries three times.',
      citations: [{ kind: 'file', path: 'src/server/billing/retry.ts' }],
      provenance: { source: 'import' },
    });
    const search = (paths: string[]) => memory.search({ repo: 'acme/paths', text: 'colours', paths });
    // `src`, `server` and `ts` are in nearly every record's paths: they alone must not match.
    expect(await search(['src/server/rates/client.ts'])).toEqual([]);
    expect((await search(['src/server/billing/invoice.ts'])).map((f) => f.record.id)).toEqual([other.id]);
    expect((await search(['lib/retry.ts'])).map((f) => f.record.id)).toEqual([other.id]);
  });

  it('never brings another repo’s records', async () => {
    for (const task of set.tasks) {
      const found = await memory.search({ repo: 'acme/app', text: task.description, paths: task.paths });
      expect(found.length).toBeGreaterThan(0);
      expect(found.filter((f) => f.record.repo !== 'acme/app')).toEqual([]);
    }
  });
});
