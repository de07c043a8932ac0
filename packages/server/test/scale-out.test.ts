import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Two worker processes on one database, a per-user cap of 2, ten tasks from one user: never more
 * than two run at once, they start in submission order, the queued ones report their positions,
 * and when one worker dies mid-task the other finishes its work.
 */
let api: TestPlatform;
const workers: PlatformProcess[] = [];

beforeAll(async () => {
  api = await startTestPlatform({ ABCA_MAX_TASKS_PER_USER: '2' }, { apiOnly: true });
  await api.request('POST', '/v1/repos', { body: { repo: 'acme/scale', forge: { kind: 'fake' } } });
  const env = {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_MAX_TASKS_PER_USER: '2',
    ABCA_RECONCILE_MS: '200',
    ABCA_HEARTBEAT_MS: '300',
    ABCA_EXECUTOR_STALE_MS: '2000',
  };
  workers.push(...(await Promise.all([spawnPlatform('worker', env), spawnPlatform('worker', env)])));
}, 120_000);
afterAll(async () => {
  for (const w of workers) await w.kill('SIGTERM');
  await api?.platform.stop();
});

describe('scale-out with two workers', () => {
  it('holds the per-user cap, keeps FIFO order, reports queue positions and survives a dead worker', async () => {
    expect(new Set(workers.map((w) => w.executorId)).size).toBe(2);
    const member = await api.userKey('sam');
    const ids: string[] = [];
    const created: any[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await api.request('POST', '/v1/tasks', {
        key: member,
        body: { repo: 'acme/scale', task_description: `task ${i} [fake:turns=2] [fake:turn_ms=500]` },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.data.task_id);
      created.push(res.body.data);
    }
    // The first two hold the slots; the other eight wait with positions 1..8.
    const queued = await Promise.all(
      ids
        .slice(2)
        .map(async (id) => (await api.request('GET', `/v1/tasks/${id}`, { key: member })).body.data),
    );
    expect(queued.map((t) => t.status)).toEqual(Array(8).fill('QUEUED'));
    expect(queued.map((t) => t.queue_position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(queued.every((t) => t.estimated_wait_s > 0)).toBe(true);

    // Kill a worker while it is running an agent step.
    const { victim, victimTask } = await new Promise<{ victim: PlatformProcess; victimTask: string }>(
      (resolve, reject) => {
        const deadline = Date.now() + 30_000;
        const look = async () => {
          const res = await api.platform.db.query<{ task_id: string; executor_id: string }>(
            `SELECT e.task_id, e.data->>'executor_id' AS executor_id FROM task_events e JOIN tasks t USING (task_id)
           WHERE e.type = 'step.started' AND e.data->>'step' = 'agent-execution' AND t.status = 'RUNNING' LIMIT 1`,
          );
          const row = res.rows[0];
          const hit = workers.find((w) => w.executorId === row?.executor_id);
          if (hit && row) return resolve({ victim: hit, victimTask: row.task_id });
          if (Date.now() > deadline) return reject(new Error('no agent step seen running'));
          setTimeout(look, 20);
        };
        void look();
      },
    );
    await victim.kill('SIGKILL');
    const survivor = workers.find((w) => w !== victim) as PlatformProcess;

    for (const id of ids) {
      const done = await api.waitFor(
        id,
        (t) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status),
        90_000,
      );
      expect(done.status, `task ${id}`).toBe('COMPLETED');
    }

    // The dead worker's task was finished by the survivor.
    const victimSteps = (
      await api.request('GET', `/v1/tasks/${victimTask}/events?limit=100`)
    ).body.data.filter((e: any) => e.type === 'step.started');
    expect(victimSteps.some((e: any) => e.data.executor_id === survivor.executorId)).toBe(true);

    // Intervals from admission to the terminal state, straight from the event log.
    const spans = await api.platform.db.query<{ task_id: string; admitted: Date; ended: Date }>(
      `SELECT t.task_id,
              (SELECT at FROM task_events e WHERE e.task_id = t.task_id AND e.type = 'task.admitted') AS admitted,
              (SELECT at FROM task_events e WHERE e.task_id = t.task_id AND e.type = 'task.status_changed' AND e.data->>'to' = 'COMPLETED') AS ended
       FROM tasks t WHERE t.task_id = ANY($1)`,
      [ids],
    );
    const points = spans.rows.flatMap((s) => [
      { t: s.admitted.getTime(), d: 1 },
      { t: s.ended.getTime(), d: -1 },
    ]);
    points.sort((a, b) => a.t - b.t || a.d - b.d);
    let running = 0;
    let peak = 0;
    for (const p of points) {
      running += p.d;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    const byAdmission = [...spans.rows]
      .sort((a, b) => a.admitted.getTime() - b.admitted.getTime())
      .map((s) => s.task_id);
    expect(byAdmission).toEqual(ids);
  }, 180_000);
});
