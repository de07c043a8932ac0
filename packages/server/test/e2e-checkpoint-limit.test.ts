import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import type { TestPlatform } from './support/platform.ts';

/**
 * A checkpoint over ABCA_CHECKPOINT_MAX_BYTES is not kept (and says so in the task's events); if
 * the task then moves to another machine during finalization, its work cannot come back and it ends
 * WORKSPACE_LOST with a remedy, rather than a PR without the work or a hung task.
 */
let world: CrashWorld;
let model: ScriptedModelServer;
let api: TestPlatform;

beforeAll(async () => {
  world = await startCrashWorld({ ABCA_CHECKPOINT_MAX_BYTES: '10' });
  ({ model, api } = world);
  await api.request('POST', '/v1/repos', {
    body: {
      repo: 'tiny-checkpoints',
      forge: { kind: 'git', url: makeRemote(GREET_OK) },
      // Finalization on the first worker waits in its validation until the test kills it.
      settings: { test_command: 'if [ -e NOTES.md ]; then sleep 600; fi; node --test' },
    },
  });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe('checkpoint size limit', () => {
  it('keeps no checkpoint over the limit; a move in finalization then ends WORKSPACE_LOST', async () => {
    model.script(
      reply().tool('write_file', { path: 'NOTES.md', content: 'notes\n' }),
      reply().text('Added notes.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'tiny-checkpoints', task_description: 'Add notes' },
    });
    const id = created.body.data.task_id as string;
    const failed = await api.waitForEvent(id, (e) => e.type === 'workspace.checkpoint_failed');
    expect(failed.data.message).toMatch(/over the 10-byte limit/);
    await api.waitForEvent(id, (e) => e.type === 'step.started' && e.data.step === 'finalization');
    await world.crashWorker({ onAnotherMachine: true });

    const done = await api.waitFor(
      id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      120_000,
    );
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'WORKSPACE_LOST', retryable: true });
    expect(done.error.remedy).toMatch(/Resubmit/);
    expect(done.pr_url).toBeNull();
  }, 240_000);
});
