import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import type { TestPlatform } from './support/platform.ts';

/**
 * SIGKILL of the worker in the middle of an agent run (while it waits for the model's second
 * answer): after a restart the run resumes from the stored transcript in the same workspace, and
 * the model server's log shows no turn repeated from the start.
 */
let world: CrashWorld;
let model: ScriptedModelServer;
let api: TestPlatform;

beforeAll(async () => {
  world = await startCrashWorld({ ABCA_NOTIFIER: 'fake' });
  ({ model, api } = world);
  await api.request('POST', '/v1/repos', { body: { repo: 'acme/resume', forge: { kind: 'fake' } } });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe('agent run survives a worker crash', () => {
  it('resumes from its transcript after SIGKILL mid-run', async () => {
    model.script(
      reply().tool('write_file', { path: 'step1.txt', content: 'one\n' }),
      // The worker dies while waiting for this answer; it is never delivered.
      reply().delay(30_000).tool('bash', { command: 'echo lost' }),
      reply().tool('bash', { command: 'git add -A && git commit -q -m "Resumed work"' }),
      reply().text('Done after resuming.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'acme/resume', task_description: 'Resume me' },
    });
    const id = created.body.data.task_id as string;
    await model.waitForRequest(2, 60_000);
    await world.crashWorker();

    const done = await api.waitFor(
      id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      90_000,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Resumed work']);

    const requests = model.requests.map((r) => r.body as { messages: { role: string; content: unknown }[] });
    expect(requests).toHaveLength(4);
    // Only the very first request starts a conversation; after the crash the resumed call carries turn 1.
    const fresh = requests.filter((b) => b.messages.filter((m) => m.role !== 'system').length === 1);
    expect(fresh).toHaveLength(1);
    const resumed = JSON.stringify(requests[2]);
    expect(resumed).toContain('step1.txt');
    expect(resumed).toContain('write_file');
    // The file written before the crash is in the same workspace: the resumed commit includes it.
    const ws = join(api.home, 'workspaces', id.toLowerCase());
    const files = execFileSync(
      'git',
      ['-c', `safe.directory=${ws}`, '-C', ws, 'show', '--name-only', '--format=', 'HEAD'],
      { encoding: 'utf8' },
    );
    expect(files.trim().split('\n')).toContain('step1.txt');
    const events = (await api.request('GET', `/v1/tasks/${id}/events?limit=100`)).body.data as any[];
    expect(events.some((e) => e.type === 'agent.resumed')).toBe(true);
  }, 180_000);
});
