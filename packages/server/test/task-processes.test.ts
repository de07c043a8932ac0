import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { gone, running } from './support/proc.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Every host process started for a task dies with it: a task whose git fetch hangs on a remote
 * that accepts and never answers is cancelled, or its worker is stopped (SIGTERM) or killed
 * (SIGKILL), and no git process of it is left on the host a few seconds later.
 */
let api: TestPlatform;
let stall: net.Server;
const held: net.Socket[] = [];
let port = 0;

beforeAll(async () => {
  stall = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
  port = (stall.address() as net.AddressInfo).port;
  api = await startTestPlatform({}, { apiOnly: true });
}, 120_000);
afterAll(async () => {
  for (const s of held) s.destroy();
  stall?.close();
  await api?.platform.stop();
});

const workerEnv = () => ({
  DATABASE_URL: api.databaseUrl,
  ABCA_HOME: api.home,
  ABCA_AGENT_RUNTIME: 'fake',
  ABCA_NOTIFIER: 'fake',
  ABCA_RECONCILE_MS: '200',
  // A SIGTERM waits this long for a step that is not at a turn boundary (the hanging fetch), then
  // cuts it and stops what it runs: the default 30 s would only make the test wait.
  ABCA_STOP_TIMEOUT_S: '3',
});

/** A repo on the stalling remote and a task on it; resolves once the task's git is hanging. */
async function hangingTask(name: string): Promise<{ id: string; mark: string }> {
  const mark = `stall-${name}-${process.pid}`;
  await api.request('POST', '/v1/repos', {
    // Unverified: the remote stalls on purpose (onboarding would time out on it).
    body: { repo: name, forge: { kind: 'git', url: `http://127.0.0.1:${port}/${mark}.git` }, verify: false },
  });
  const created = await api.request('POST', '/v1/tasks', { body: { repo: name, task_description: 'x' } });
  expect(created.status).toBe(201);
  const deadline = Date.now() + 30_000;
  while (running(mark).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(running(mark).length, 'git is fetching from the stalling remote').toBeGreaterThan(0);
  return { id: created.body.data.task_id as string, mark };
}

describe('host processes of a task', () => {
  let worker: PlatformProcess | undefined;
  afterAll(async () => {
    await worker?.kill('SIGKILL');
  });

  it('are gone within seconds of the task being cancelled', async () => {
    worker = await spawnPlatform('worker', workerEnv());
    const { id, mark } = await hangingTask('stall-cancel');
    expect((await api.request('DELETE', `/v1/tasks/${id}`)).status).toBe(200);
    expect(await gone(mark, 5_000)).toBe(true);
    expect((await api.waitFor(id, (t) => t.status === 'CANCELLED')).status).toBe('CANCELLED');
  }, 90_000);

  it('are gone when the worker stops (SIGTERM) and when it is killed (SIGKILL)', async () => {
    const stopped = await hangingTask('stall-stop');
    await worker?.kill('SIGTERM');
    expect(await gone(stopped.mark, 5_000)).toBe(true);

    worker = await spawnPlatform('worker', workerEnv());
    const killed = await hangingTask('stall-kill');
    await worker.kill('SIGKILL');
    expect(await gone(killed.mark, 5_000)).toBe(true);
    for (const t of [stopped, killed]) await api.request('DELETE', `/v1/tasks/${t.id}`);
  }, 150_000);
});
