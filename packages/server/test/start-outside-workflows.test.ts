import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * A task admitted when another one ends (its slot freed) is started by code that runs inside the
 * ending task's workflow. Its workflow must still be its own, not DBOS's child of the ending one:
 * such a start was made a child (or refused), and the task waited for the reconciler's backstop,
 * 2-3 s later. Here the backstop is held off (a tick every 10 minutes), so the queued tasks run only
 * if the start made when a slot frees is a real one; each ends with a workflow without a parent.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_MAX_TASKS: '1', ABCA_RECONCILE_MS: '600000' });
  const made = await p.request('POST', '/v1/repos', {
    body: { repo: 'one-slot', forge: { kind: 'git', url: makeRemote({ 'README.md': '# one slot\n' }) } },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

describe('starts made from a running workflow', () => {
  it('a task queued behind the only slot starts as its own workflow when the slot frees', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await p.request('POST', '/v1/tasks', {
        body: { repo: 'one-slot', task_description: `change ${i}` },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.data.task_id);
    }
    const statuses = (await p.platform.db.query('SELECT status FROM tasks WHERE task_id = ANY($1)', [ids]))
      .rows;
    expect(statuses.filter((r) => r.status === 'QUEUED').length).toBeGreaterThan(0);
    for (const id of ids) {
      const task = await p.waitFor(
        id,
        (t) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(t.status),
        90_000,
      );
      expect(task.status, JSON.stringify(task.error)).toBe('COMPLETED');
    }
    const workflows = await p.platform.db.query<{ workflow_uuid: string; parent_workflow_id: string | null }>(
      'SELECT workflow_uuid, parent_workflow_id FROM dbos.workflow_status WHERE workflow_uuid = ANY($1) ORDER BY workflow_uuid',
      [ids],
    );
    expect(workflows.rows.map((w) => w.workflow_uuid)).toEqual([...ids].sort());
    expect(workflows.rows.map((w) => w.parent_workflow_id)).toEqual([null, null, null]);
  }, 300_000);
});
