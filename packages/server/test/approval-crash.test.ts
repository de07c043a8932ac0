import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeRemotePushes } from '../src/adapters/forge/fake.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Waiting survives the worker: the worker process is killed with SIGKILL while the task waits at
 * its plan gate and again at its push gate; a new worker takes over, the decisions (through the
 * API server, another process) start the next runs there, and the task completes with the agent's
 * commit, one push and one PR. All three gates are on (plan, a command rule, push).
 */
let api: TestPlatform;
let worker: PlatformProcess | undefined;
let workerEnv: Record<string, string>;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  api = await startTestPlatform({}, { apiOnly: true });
  const res = await api.request('POST', '/v1/repos', {
    body: {
      repo: 'acme/gated-crash',
      forge: { kind: 'fake' },
      settings: {
        approvals: { plan: true, push: true, tools: { commands: ['^npm test$'] }, timeout_s: 3600 },
      },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  workerEnv = {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
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

async function pending(id: string, gate: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = (await api.request('GET', `/v1/tasks/${id}`)).body.data;
    const list = (await api.request('GET', `/v1/tasks/${id}/approvals`)).body.data as any[];
    const open = list.find((a) => a.state === 'pending');
    if (task.status === 'AWAITING_APPROVAL' && open?.gate === gate) return open;
    if (DONE.includes(task.status) || Date.now() > deadline) {
      throw new Error(`task ${id} is ${task.status}, not waiting on ${gate}: ${JSON.stringify(list)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function restartWorker() {
  await worker?.kill('SIGKILL');
  worker = await spawnPlatform('worker', workerEnv);
}

describe('a worker killed while a task waits', () => {
  it('the next worker resumes each gate after its decision; one commit, one push, one PR', async () => {
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'acme/gated-crash', task_description: 'Fix the greeting [fake:turns=1]' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.task_id as string;

    const plan = await pending(id, 'plan');
    expect(plan.request.plan).toContain('Fake plan, round 1');
    await restartWorker();
    expect((await api.request('POST', `/v1/tasks/${id}/approve`, { body: {} })).status).toBe(200);

    const tool = await pending(id, 'tool');
    expect(tool.request).toMatchObject({ tool: 'bash', rule: 'command matches ^npm test$' });
    expect((await api.request('POST', `/v1/tasks/${id}/approve`, { body: {} })).status).toBe(200);

    await pending(id, 'push');
    await restartWorker();
    expect(
      (await api.request('POST', `/v1/tasks/${id}/approve`, { body: { reason: 'ship it' } })).status,
    ).toBe(200);

    const done = await api.waitFor(id, (t) => DONE.includes(t.status), 90_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);
    const effects = (
      await api.platform.db.query<{ effect: string }>('SELECT effect FROM fake_effects WHERE task_id = $1', [
        id,
      ])
    ).rows.map((r) => r.effect);
    expect(effects.filter((e) => e === 'agent.commit')).toHaveLength(1);
    expect(effects.filter((e) => e === 'forge.pr_opened')).toHaveLength(1);
    expect(await fakeRemotePushes(join(api.home, 'cache'), 'acme/gated-crash', done.branch_name)).toBe(1);
    const events = await api.allEvents(id);
    expect(
      events.filter((e) => e.type === 'approval.decided').map((e) => [e.data.gate, e.data.state]),
    ).toEqual([
      ['plan', 'approved'],
      ['tool', 'approved'],
      ['push', 'approved'],
    ]);
    // The held command ran once, after its approval.
    expect(events.filter((e) => e.type === 'agent.tool_call' && !e.data.is_error)).toHaveLength(1);
    const changes = events.filter((e) => e.type === 'task.status_changed').map((e) => e.data.to);
    expect(changes).toEqual([
      'HYDRATING',
      'RUNNING',
      'AWAITING_APPROVAL',
      'RUNNING',
      'AWAITING_APPROVAL',
      'RUNNING',
      'FINALIZING',
      'AWAITING_APPROVAL',
      'FINALIZING',
      'COMPLETED',
    ]);
  }, 240_000);
});
