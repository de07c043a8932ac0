import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureApproval, expiredApprovals } from '../src/approvals/approval-store.ts';
import { claimDeadExecutors } from '../src/orchestrator/executors.ts';
import { probeReconcile, type ReconcileDue } from '../src/orchestrator/reconciler.ts';
import { claimAndStart } from '../src/orchestrator/start-claim.ts';
import type { Db } from '../src/storage/db.ts';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The reconciler's probe: one statement per tick says which backstops have work, and the tick runs
 * only those. Each case below makes one condition a backstop exists for, with the platform's own
 * rows (its DBOS workflow records, its executors), and checks that the probe names it, that the
 * backstop's own statement finds it too, and that an idle platform's probe names nothing. The
 * platform's own tick is held off (10 minutes), so nothing but the test acts on these rows.
 */
let p: TestPlatform;
let db: Db;
let done: string;
const SELF = 'probe-test-self';
const probe = (over: Partial<{ recoverWorkflows: boolean; queueMaxAgeS: number }> = {}) =>
  probeReconcile(db, {
    executorId: SELF,
    staleMs: 30_000,
    recoverWorkflows: true,
    queueMaxAgeS: 3600,
    ...over,
  });
const nothing: ReconcileDue = {
  waiting: false,
  deadExecutors: false,
  orphans: false,
  ended: false,
  expiredQueued: false,
  expiredApprovals: false,
};

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_RECONCILE_MS: '600000' });
  db = p.platform.db as Db;
  const made = await p.request('POST', '/v1/repos', {
    body: { repo: 'probe', forge: { kind: 'git', url: makeRemote({ 'README.md': '# probe\n' }) } },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const created = await p.request('POST', '/v1/tasks', { body: { repo: 'probe', task_description: 'x' } });
  expect(created.status).toBe(201);
  done = created.body.data.task_id;
  expect((await p.waitFor(done, (t) => t.status === 'COMPLETED', 120_000)).status).toBe('COMPLETED');
  // The platform's own executor is alive; executors of earlier runs of this database are not ours.
  await db.query('UPDATE executors SET recovered_at = now() WHERE recovered_at IS NULL');
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
});

describe('the reconcile probe', () => {
  it('names nothing on an idle platform', async () => {
    expect(await probe()).toEqual(nothing);
  });

  it('names a task waiting for admission, and an old queued one', async () => {
    await db.query(
      "UPDATE tasks SET status = 'QUEUED', admitted_at = NULL, created_at = now() - interval '2 hours' WHERE task_id = $1",
      [done],
    );
    expect(await probe()).toEqual({ ...nothing, waiting: true, expiredQueued: true });
    // Younger than the queue's limit: waiting only.
    expect(await probe({ queueMaxAgeS: 3 * 3600 })).toEqual({ ...nothing, waiting: true });
    await db.query(
      "UPDATE tasks SET status = 'COMPLETED', admitted_at = now(), created_at = now() WHERE task_id = $1",
      [done],
    );
    expect(await probe()).toEqual(nothing);
  });

  it('names an active task whose workflow ended, and an admitted task without a workflow', async () => {
    // Its workflow (a real DBOS record) ended in SUCCESS; the task row says it still runs.
    await db.query(
      "UPDATE tasks SET status = 'RUNNING', admitted_at = now() - interval '10 seconds' WHERE task_id = $1",
      [done],
    );
    expect(await probe()).toEqual({ ...nothing, ended: true });
    // A later run of it was admitted but its workflow never recorded (a crash between the two).
    await db.query('UPDATE tasks SET run_seq = run_seq + 1 WHERE task_id = $1', [done]);
    expect(await probe()).toEqual({ ...nothing, orphans: true });
    // The backstop's own claim finds the same task (its start is not made here).
    const found: string[] = [];
    await claimAndStart(db, { minAgeMs: 2000, limit: 100 }, async (run) => {
      found.push(run.taskId);
    });
    expect(found).toEqual([done]);
    // Within the grace, an admission is its own process's to start: not an orphan yet.
    await db.query('UPDATE tasks SET admitted_at = now() WHERE task_id = $1', [done]);
    expect(await probe()).toEqual(nothing);
    await db.query("UPDATE tasks SET status = 'COMPLETED', run_seq = run_seq - 1 WHERE task_id = $1", [done]);
    expect(await probe()).toEqual(nothing);
  });

  it('names a dead executor only where workflows are recovered, and an approval past its timeout', async () => {
    await db.query(
      `INSERT INTO executors (executor_id, kind, hostname, pid, heartbeat_at)
       VALUES ('probe-dead', 'worker', 'elsewhere', 1, now() - interval '1 hour')`,
    );
    expect(await probe()).toEqual({ ...nothing, deadExecutors: true });
    expect(await probe({ recoverWorkflows: false })).toEqual(nothing);
    expect(await claimDeadExecutors(db, SELF, 30_000)).toEqual(['probe-dead']);
    expect(await probe()).toEqual(nothing);

    await ensureApproval(db, {
      taskId: done,
      key: 'probe',
      request: { gate: 'push', branch: 'abca/probe', commits: 1, diff_stat: '', validation_passed: null },
      timeoutS: 0,
    });
    expect(await probe()).toEqual({ ...nothing, expiredApprovals: true });
    expect((await expiredApprovals(db)).map((a) => a.task_id)).toEqual([done]);
    await db.query("UPDATE approvals SET state = 'expired', decided_at = now() WHERE task_id = $1", [done]);
    expect(await probe()).toEqual(nothing);
  });
});
