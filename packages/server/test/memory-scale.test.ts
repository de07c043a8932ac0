import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import {
  createPostgresMemory,
  scoredSearchParams,
  scoredSearchSql,
} from '../src/adapters/memory/postgres.ts';
import { rarity } from '../src/memory/rarity.ts';
import type { Memory } from '../src/ports/memory.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';

/**
 * The store at scale: a repo with 24,000 records beside other repos (6,000 more). Words are drawn
 * log-uniformly from 5,000, so a few are in most records (as "test" or "file" are in a real repo's)
 * and most are rare. Figures belong to the bench (bench/memory-retrieval: 100,000 records, p95);
 * this checks the word counts, the plan and a generous bound, on a set small enough for the suite.
 */
let db: Db;
let memory: Memory;
const BIG = 'acme/big';
const word = () => `term${Math.floor(Math.exp(Math.random() * Math.log(5000)))}`;
const taskText = () => Array.from({ length: 60 }, word).join(' ');

beforeAll(async () => {
  db = createPool(await createTestDatabase('memscale'), 4);
  await migrate(db);
  memory = createPostgresMemory(db);
  await db.query(
    `
    INSERT INTO memory_records (id, repo, kind, title, body, provenance, path_terms, created_at)
    SELECT 'mem_0' || lpad(i::text, 8, '0'), CASE WHEN i % 5 = 0 THEN 'acme/other' || (i % 3) ELSE $1 END,
           (ARRAY['repo_knowledge', 'episode', 'review_rule'])[1 + i % 3],
           (SELECT string_agg('term' || floor(exp(random() * ln(5000)))::int, ' ') FROM generate_series(1, 6) WHERE i > 0),
           (SELECT string_agg('term' || floor(exp(random() * ln(5000)))::int, ' ') FROM generate_series(1, 40) WHERE i > 0),
           '{"source":"learning"}', 'src lib', now() - make_interval(secs => i)
      FROM generate_series(1, 30000) i`,
    [BIG],
  );
  await db.query('ANALYZE memory_records');
  await db.query('ANALYZE memory_lexemes');
}, 900_000);
afterAll(async () => {
  await db?.end();
});

/** Repos whose kept record count (memory_repo_sizes, migration 022) differs from their records. */
const sizeDrift = async () =>
  (
    await db.query(
      `SELECT coalesce(s.repo, t.repo) AS repo, s.nrec, t.n FROM memory_repo_sizes s
         FULL JOIN (SELECT repo, count(*)::int AS n FROM memory_records GROUP BY repo) t ON t.repo = s.repo
        WHERE coalesce(s.nrec, 0) <> coalesce(t.n, 0)`,
    )
  ).rows;

describe('memory at scale', () => {
  it('counts each repo’s records for the words’ rarity, a bulk insert of 30,000 included', async () => {
    expect(await sizeDrift()).toEqual([]);
    const big = await db.query('SELECT nrec FROM memory_repo_sizes WHERE repo = $1', [BIG]);
    expect(big.rows[0]?.nrec).toBe(24_000);
  });

  it('keeps word counts that match the records, through adds, edits and deletes', async () => {
    const repo = 'acme/counts';
    const a = await memory.add({
      repo,
      kind: 'review_rule',
      title: 'Validate webhook payloads',
      body: 'Parse webhook bodies with zod.',
      citations: [{ kind: 'file', path: 'src/hooks/webhook.ts' }],
      provenance: { source: 'review' },
    });
    const b = await memory.add({
      repo,
      kind: 'review_rule',
      title: 'Webhook retries',
      body: 'Retry thrice.',
      citations: [],
      provenance: { source: 'review' },
    });
    await memory.update(repo, b.id, { body: 'Retry with backoff.' });
    await memory.forget(repo, a.id);
    const drift = async () =>
      (
        await db.query(
          `SELECT coalesce(l.lexeme, t.lx) AS lexeme, l.ndoc, t.n FROM (SELECT * FROM memory_lexemes WHERE repo = $1) l
             FULL JOIN (SELECT lx, count(*)::int AS n FROM memory_records, unnest(tsvector_to_array(search)) lx
                         WHERE repo = $1 GROUP BY lx) t ON t.lx = l.lexeme
            WHERE coalesce(l.ndoc, 0) <> coalesce(t.n, 0)`,
          [repo],
        )
      ).rows;
    expect(await drift()).toEqual([]);
    expect(await sizeDrift()).toEqual([]);
    const counts = await db.query(
      `SELECT lexeme, ndoc FROM memory_lexemes WHERE repo = $1 AND ndoc > 0 ORDER BY 1`,
      [repo],
    );
    expect(counts.rows).toContainEqual({ lexeme: 'webhook', ndoc: 1 });
    expect(counts.rows).toContainEqual({ lexeme: 'backoff', ndoc: 1 });
    expect(counts.rows.map((r) => r.lexeme)).not.toContain('zod');
    // A superseding add (an insert and an update in one statement), a use, then fading all of it.
    const c = await memory.add({
      repo,
      kind: 'review_rule',
      title: 'Webhook retries use jitter',
      body: 'Retry with jittered backoff.',
      citations: [],
      provenance: { source: 'review' },
      supersedes: b.id,
    });
    await memory.markUsed(repo, 'T-counts', [c.id]);
    expect(await drift()).toEqual([]);
    expect(await sizeDrift()).toEqual([]);
    expect(await memory.fade(new Date(Date.now() + 60_000), repo)).toBe(2);
    expect(await drift()).toEqual([]);
    expect(await sizeDrift()).toEqual([]);
    expect((await db.query('SELECT nrec FROM memory_repo_sizes WHERE repo = $1', [repo])).rows).toEqual([
      { nrec: 0 },
    ]);
  });

  it('finds the record that matches the rare words, among 24,000, through the repo and search index', async () => {
    const needle = await memory.add({
      repo: BIG,
      kind: 'review_rule',
      title: 'Never call quuxlib directly',
      body: 'Wrap quuxlib in the adapter.',
      citations: [{ kind: 'file', path: 'src/adapters/quuxlib.ts' }],
      provenance: { source: 'review' },
    });
    const found = await memory.search({ repo: BIG, text: `${taskText()} uses quuxlib`, paths: [] });
    expect(found.map((f) => f.record.id)).toContain(needle.id);
    expect(found).toHaveLength(50);
    // Words most records hold are left out of the match: the rare one decides.
    const common = await memory.search({ repo: BIG, text: 'term1 term2 term3 quuxlib', paths: [] });
    expect(common.map((f) => f.record.id)).toEqual([needle.id]);
    expect(found.every((f) => f.record.repo === BIG)).toBe(true);

    // The store's own scoring statement, on a few rare words: the repo and search index, no scan.
    const words = ['quuxlib', 'term3001', 'term4500'];
    const kept = words.map((w) => ({ operand: `'${w}'`, rarity: rarity(10, 24_000) }));
    const plan = await db.query(
      `EXPLAIN (ANALYZE, FORMAT TEXT) ${scoredSearchSql(kept.length)}`,
      scoredSearchParams(
        {
          repo: BIG,
          query: kept.map((k) => k.operand).join(' | '),
          userId: null,
          excludeKinds: [],
          limit: 50,
        },
        kept,
      ),
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text, text).toMatch(/Bitmap Index Scan on memory_records_repo_search/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('searches with a task-sized text within a generous bound (p95 under 500 ms)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const found = await memory.search({
        repo: BIG,
        text: taskText(),
        paths: ['src/api/users.ts', 'lib/term12.ts'],
      });
      times.push(performance.now() - started);
      expect(found.length).toBeGreaterThan(0);
    }
    times.sort((a, b) => a - b);
    const p95 = times[Math.ceil(times.length * 0.95) - 1] ?? Number.POSITIVE_INFINITY;
    console.log(`memory search, 24,000 records: p50 ${times[10]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
    expect(p95).toBeLessThan(500);
  });
});
