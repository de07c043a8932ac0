import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_QUEUE } from '../src/orchestrator/workflow.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * `ABCA_QUEUE_POLL_MS` sets how often a worker looks for queued task workflows: it reaches DBOS's
 * queue (kept in the database for every worker), and a task that has to wait on the queue (the
 * worker's one slot is taken) still starts and finishes at that pace.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_QUEUE_POLL_MS: '700', ABCA_WORKER_SLOTS: '1' });
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/queue', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
});
afterAll(async () => {
  await p?.platform.stop();
});

describe('the task queue', () => {
  it('polls at ABCA_QUEUE_POLL_MS, and a task over the slots waits on it and completes', async () => {
    const row = await p.platform.db.query('SELECT polling_interval_sec FROM dbos.queues WHERE name = $1', [
      TASK_QUEUE,
    ]);
    expect(Number(row.rows[0].polling_interval_sec)).toBe(0.7);
    const create = async (d: string) =>
      (await p.request('POST', '/v1/tasks', { body: { repo: 'acme/queue', task_description: d } })).body.data
        .task_id as string;
    const first = await create('first [fake:sleep=1500]');
    await p.waitFor(first, (t) => t.status === 'RUNNING');
    const second = await create('second');
    for (const id of [first, second])
      expect((await p.waitFor(id, (t) => t.status === 'COMPLETED')).status).toBe('COMPLETED');
    // The second went through the queue: its workflow row names it.
    const wf = await p.platform.db.query(
      `SELECT queue_name FROM dbos.workflow_status WHERE workflow_uuid LIKE $1 || '%'`,
      [second],
    );
    expect(wf.rows.map((r) => r.queue_name)).toContain(TASK_QUEUE);
  });
});
