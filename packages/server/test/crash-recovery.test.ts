import { join } from 'node:path';
import { STEP_NAMES } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeRemotePushes } from '../src/adapters/forge/fake.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Kills a worker with SIGKILL inside each blueprint step in turn, restarts it, and checks that the
 * task still completes with every external effect (channel notices, the agent's commit, the push,
 * the PR, the issue comment) performed exactly once (the push counted in the fake remote's reflog). The fakes pause after each effect, so the kill lands between an
 * effect and the step's checkpoint: the worst moment for idempotency.
 */
let api: TestPlatform;
let worker: PlatformProcess | undefined;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  // The test process serves the API only; workflows run in the worker child process.
  api = await startTestPlatform({}, { apiOnly: true });
  await api.request('POST', '/v1/repos', { body: { repo: 'acme/crash', forge: { kind: 'fake' } } });
  workerEnv = {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_FAKE_DELAY_MS: '600',
    ABCA_RECONCILE_MS: '200',
    ABCA_HEARTBEAT_MS: '300',
    ABCA_EXECUTOR_STALE_MS: '5000',
  };
  worker = await spawnPlatform('worker', workerEnv);
}, 120_000);
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await api?.platform.stop();
});

const KILL_POINTS: { step: (typeof STEP_NAMES)[number]; afterEffect?: string }[] = [
  ...STEP_NAMES.map((step) => ({ step })),
  // Right after an effect and before the step's checkpoint: the re-run must find it done.
  { step: 'agent-execution', afterEffect: 'agent.commit' },
  { step: 'finalization', afterEffect: 'forge.pr_opened' },
  // Between the issue comment and the record that it was made.
  { step: 'finalization', afterEffect: 'forge.comment' },
];

async function waitForEffect(taskId: string, effect: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await api.platform.db.query('SELECT 1 FROM fake_effects WHERE task_id = $1 AND effect = $2', [
      taskId,
      effect,
    ]);
    if ((res.rowCount ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no effect ${effect} for ${taskId}`);
}

describe('SIGKILL of a worker inside each step', () => {
  it.each(KILL_POINTS)(
    'recovers from a kill inside $step (after effect: $afterEffect) with each effect exactly once',
    async ({ step, afterEffect }) => {
      const created = await api.request('POST', '/v1/tasks', {
        // From an issue, so finalization also comments on it (one more effect to keep single).
        body: { repo: 'acme/crash', issue_number: 7, task_description: `crash in ${step}` },
      });
      expect(created.status).toBe(201);
      const id = created.body.data.task_id as string;
      const firstExecutor = worker?.executorId;

      await api.waitForEvent(id, (e) => e.type === 'step.started' && e.data.step === step);
      if (afterEffect) await waitForEffect(id, afterEffect);
      await worker?.kill('SIGKILL');
      worker = await spawnPlatform('worker', workerEnv);
      expect(worker.executorId).toBe(firstExecutor); // the restarted worker takes its old id back

      const done = await api.waitFor(
        id,
        (t) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status),
        60_000,
      );
      expect(done.status).toBe('COMPLETED');
      expect(done.pr_url).toMatch(/\/pull\/\d+$/);
      // The channel notice follows the terminal state inside the finishing step; the step's
      // completion event comes after it, so once it is logged every effect is in.
      await api.waitForEvent(id, (e) => e.type === 'step.completed' && e.data.step === 'finalization');

      const events = (await api.request('GET', `/v1/tasks/${id}/events?limit=100`)).body.data as any[];
      const starts = events.filter((e) => e.type === 'step.started' && e.data.step === step);
      expect(starts.length, 'the killed step ran again').toBeGreaterThanOrEqual(2);
      for (const other of STEP_NAMES.filter((s) => STEP_NAMES.indexOf(s) < STEP_NAMES.indexOf(step))) {
        expect(
          events.filter((e) => e.type === 'step.completed' && e.data.step === other),
          `${other} completed once`,
        ).toHaveLength(1);
      }
      const effects = (
        await api.platform.db.query<{ effect: string; kind: string | null }>(
          "SELECT effect, detail->>'kind' AS kind FROM fake_effects WHERE task_id = $1",
          [id],
        )
      ).rows.map((r) => (r.kind ? `${r.effect}:${r.kind}` : r.effect));
      expect(effects.sort()).toEqual([
        'agent.commit',
        'forge.comment',
        'forge.pr_opened',
        'notify:completed',
        'notify:started',
      ]);
      // The push went to the fake's bare remote: its reflog counts every move of the branch.
      expect(await fakeRemotePushes(join(api.home, 'cache'), 'acme/crash', done.branch_name)).toBe(1);
      const pulls = await api.platform.db.query(
        'SELECT count(*)::int AS n FROM fake_forge_pulls WHERE branch = $1',
        [done.branch_name],
      );
      expect(pulls.rows[0].n).toBe(1);
      // Every step ran on a worker, never on the API-only server (which has no business running
      // tasks), though DBOS's launch-time recovery could hand the workflow to any process.
      const ranOn = new Set(events.filter((e) => e.type === 'step.started').map((e) => e.data.executor_id));
      expect([...ranOn]).toEqual([firstExecutor]);
      const changes = events.filter((e) => e.type === 'task.status_changed').map((e) => e.data.to);
      expect(changes).toEqual(['HYDRATING', 'RUNNING', 'FINALIZING', 'COMPLETED']);
    },
    120_000,
  );
});
