import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createPostgresMemory } from '../src/adapters/memory/postgres.ts';
import { fadeMemories, startMemoryFader } from '../src/memory/fader.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { Memory, NewMemory } from '../src/ports/memory.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { createTask } from './support/stored-task.ts';
import { until } from './support/until.ts';

/** Fading on real PostgreSQL: ages are set in SQL, nothing sleeps. */
let db: Db;
let memory: Memory;
const log = createLogger({ level: 'silent' });
let prNumber = 0;

beforeAll(async () => {
  db = createPool(await createTestDatabase('fader'), 4);
  await migrate(db);
  memory = createPostgresMemory(db);
  await createApiKey(db, { name: 'u', userId: 'u1', role: 'member' });
});
afterAll(async () => {
  await db.end();
});

const rule = (repo: string, title: string, over: Partial<NewMemory> = {}): NewMemory => ({
  repo,
  kind: 'review_rule',
  title,
  body: 'A rule body.',
  category: 'style',
  citations: [],
  provenance: { source: 'review' },
  ...over,
});

/** A record created `createdDaysAgo` ago, last used `usedDaysAgo` ago (null: never). */
async function aged(repo: string, title: string, createdDaysAgo: number, usedDaysAgo: number | null = null) {
  const r = await memory.add(rule(repo, title));
  await db.query(
    `UPDATE memory_records SET created_at = now() - make_interval(days => $2),
       last_used_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END
     WHERE id = $1`,
    [r.id, createdDaysAgo, usedDaysAgo],
  );
  return r.id;
}

async function task(
  repo: string,
  workflow = 'coding/new-task-v1',
  pr: number | null = null,
): Promise<string> {
  const created = await createTask(db, { repo, task_description: 'x', user_id: 'u1', max_turns: 5 });
  if (created.kind !== 'created') throw new Error('setup');
  await db.query('UPDATE tasks SET workflow_ref = $2, pr_number = $3 WHERE task_id = $1', [
    created.task.task_id,
    workflow,
    pr,
  ]);
  return created.task.task_id;
}

/** The pull request `originTaskId` opened, in `state`; returns its number. */
async function pullRequest(repo: string, originTaskId: string, state: 'open' | 'merged' | 'closed') {
  prNumber += 1;
  await db.query(
    `INSERT INTO pr_watches (repo, number, forge_kind, branch, url, origin_task_id, user_id, state, opened_at, merged_at)
     VALUES ($1, $2, 'git', 'abca/x', 'http://x', $3, 'u1', $4, now(), CASE WHEN $4 = 'merged' THEN now() END)`,
    [repo, prNumber, originTaskId, state],
  );
  return prNumber;
}

/** `record` was used by `taskId` `daysAgo` days ago. */
async function usedBy(repo: string, recordId: string, taskId: string, daysAgo: number) {
  await memory.markUsed(repo, taskId, [recordId]);
  await db.query(
    `UPDATE memory_records SET last_used_at = now() - make_interval(days => $2) WHERE id = $1;`,
    [recordId, daysAgo],
  );
}

const exists = async (repo: string, id: string) => (await memory.get(repo, id)) !== undefined;

describe('memory fading', () => {
  it('removes records unused for fadeDays, keeps pinned, recent and recently used ones', async () => {
    const repo = 'acme/fade';
    const stale = await aged(repo, 'Stale rule', 120);
    const staleUsed = await aged(repo, 'Used long ago', 200, 100);
    const recent = await aged(repo, 'New rule', 10);
    const usedLately = await aged(repo, 'Used lately', 300, 5);
    const pinned = await memory.add(rule(repo, 'Pinned rule', { pinned: true }));
    await db.query(`UPDATE memory_records SET created_at = now() - interval '400 days' WHERE id = $1`, [
      pinned.id,
    ]);
    const other = await aged('acme/fade-other', 'Other repo, stale', 120);

    const result = await fadeMemories({ db, memory, fadeDays: 90, log });
    expect(result.faded).toBe(3);
    expect(await exists(repo, stale)).toBe(false);
    expect(await exists(repo, staleUsed)).toBe(false);
    expect(await exists('acme/fade-other', other)).toBe(false);
    expect(await exists(repo, recent)).toBe(true);
    expect(await exists(repo, usedLately)).toBe(true);
    expect(await exists(repo, pinned.id)).toBe(true);
    // At 7 days the ten-day-old record goes; the one used five days ago stays.
    expect((await fadeMemories({ db, memory, fadeDays: 7, log })).faded).toBe(1);
    expect(await exists(repo, recent)).toBe(false);
    expect(await exists(repo, usedLately)).toBe(true);
  });

  it('keeps a record a merged PR used (by its task or an iteration on it), pinned with a note; not one of a closed PR', async () => {
    const repo = 'acme/merged';
    const byOrigin = await aged(repo, 'Used by the merged task', 300);
    const byIteration = await aged(repo, 'Used by an iteration', 300);
    const byClosed = await aged(repo, 'Used by a closed PR', 300);
    const byOpen = await aged(repo, 'Used by an open PR', 300);

    const merged = await task(repo);
    const mergedPr = await pullRequest(repo, merged, 'merged');
    await usedBy(repo, byOrigin, merged, 200);
    const iteration = await task(repo, 'coding/pr-iteration-v1', mergedPr);
    await usedBy(repo, byIteration, iteration, 150);
    const closed = await task(repo);
    await pullRequest(repo, closed, 'closed');
    await usedBy(repo, byClosed, closed, 200);
    const open = await task(repo);
    await pullRequest(repo, open, 'open');
    await usedBy(repo, byOpen, open, 200);

    const result = await fadeMemories({ db, memory, fadeDays: 90, log });
    expect(result).toEqual({ kept: 2, faded: 2 });
    const kept = await memory.get(repo, byOrigin);
    expect(kept?.pinned).toBe(true);
    expect(kept?.provenance).toEqual({
      source: 'review',
      pinned_because: `used by task ${merged}, whose pull request ${repo}#${mergedPr} was merged`,
    });
    expect((await memory.get(repo, byIteration))?.provenance.pinned_because).toContain(iteration);
    expect(await exists(repo, byClosed)).toBe(false);
    expect(await exists(repo, byOpen)).toBe(false);

    // A person who unpins it has the last word: not pinned again, and it fades as any other.
    await memory.update(repo, byOrigin, { pinned: false });
    expect(await fadeMemories({ db, memory, fadeDays: 90, log })).toEqual({ kept: 0, faded: 1 });
    expect(await exists(repo, byOrigin)).toBe(false);
    expect(await exists(repo, byIteration)).toBe(true);
  });

  it('sweeps at start and stops cleanly', async () => {
    const repo = 'acme/started';
    const stale = await aged(repo, 'Stale at start', 100);
    const stop = startMemoryFader({ db, memory, fadeDays: 90, log, everyMs: 3_600_000 });
    await until('the first sweep', async () => !(await exists(repo, stale)), 30_000);
    await stop();
  });
});
