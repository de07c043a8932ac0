import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * The embedded default: `abca serve` with no DATABASE_URL starts its own PostgreSQL in the state
 * folder (as root through the `postgres` user), survives a SIGKILL that leaves the server behind,
 * and lets a worker on the same machine join it.
 */
const home = mkdtempSync(join(tmpdir(), 'abca-embedded-'));
const env = {
  ABCA_HOME: home,
  ABCA_PORT: '0',
  DATABASE_URL: '',
  ABCA_RECONCILE_MS: '200',
  ABCA_AGENT_RUNTIME: 'fake',
  ABCA_NOTIFIER: 'fake',
};
const procs: PlatformProcess[] = [];

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM');
  const location = join(home, 'pg', 'LOCATION');
  const elsewhere = existsSync(location)
    ? /is in (\S+)/.exec(readFileSync(location, 'utf8'))?.[1]
    : undefined;
  if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

function serverJson(): { url: string } {
  return JSON.parse(readFileSync(join(home, 'server.json'), 'utf8'));
}

async function submitAndWait(url: string): Promise<string> {
  const key = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  await fetch(`${url}/v1/repos`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ repo: 'acme/emb', forge: { kind: 'fake' } }),
  });
  const created: any = await (
    await fetch(`${url}/v1/tasks`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ repo: 'acme/emb', task_description: 'x' }),
    })
  ).json();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const t: any = await (await fetch(`${url}/v1/tasks/${created.data.task_id}`, { headers: h })).json();
    if (['COMPLETED', 'FAILED'].includes(t.data.status)) return t.data.status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('task did not finish');
}

describe('embedded PostgreSQL', () => {
  it('starts on first run, writes the admin key 0600, and runs a task', async () => {
    procs.push(await spawnPlatform('serve', env));
    expect(statSync(join(home, 'admin.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'pg-password')).mode & 0o777).toBe(0o600);
    expect(await submitAndWait(serverJson().url)).toBe('COMPLETED');
  }, 120_000);

  it('lets a worker on the same state folder join the running server', async () => {
    const worker = await spawnPlatform('worker', env);
    procs.push(worker);
    expect(worker.executorId).toMatch(/-worker-\d+$/);
    await worker.kill('SIGTERM');
    procs.pop();
    // The serve process still answers: the worker leaving did not stop the shared database.
    expect(await submitAndWait(serverJson().url)).toBe('COMPLETED');
  }, 120_000);

  it('recovers after SIGKILL left the PostgreSQL server running', async () => {
    const first = procs.pop() as PlatformProcess;
    await first.kill('SIGKILL');
    const owner = JSON.parse(readFileSync(join(home, 'pg-owner.json'), 'utf8'));
    expect(owner.pid).toBe(first.child.pid);
    const again = await spawnPlatform('serve', env);
    procs.push(again);
    expect(again.stderr.join('\n')).toMatch(/leftover embedded PostgreSQL/);
    expect(await submitAndWait(serverJson().url)).toBe('COMPLETED');
  }, 120_000);
});
