import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The work a task takes out of its sandbox is bounded by ABCA_CHECKPOINT_MAX_BYTES: over it, the
 * task ends WORK_TOO_LARGE right after the agent step (the work could neither be pushed nor moved
 * to another machine), with the size in its message and no PR, rather than a host that reads an
 * unbounded bundle.
 */
let model: ScriptedModelServer;
let api: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  api = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_CHECKPOINT_MAX_BYTES: '100000',
  });
  await api.request('POST', '/v1/repos', {
    body: { repo: 'small-work', forge: { kind: 'git', url: makeRemote(GREET_OK) } },
  });
}, 120_000);
afterAll(async () => {
  await api?.platform.stop();
  await model?.close();
});

describe('work size limit', () => {
  it('ends WORK_TOO_LARGE when the work is over ABCA_CHECKPOINT_MAX_BYTES, with no PR', async () => {
    model.script(
      reply().tool('bash', {
        command: 'head -c 300000 /dev/urandom > blob.bin && git add -A && git commit -qm blob',
      }),
      reply().text('Added a blob.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'small-work', task_description: 'Add a blob' },
    });
    const id = created.body.data.task_id as string;
    const done = await api.waitFor(
      id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      90_000,
    );
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'WORK_TOO_LARGE', retryable: false });
    expect(done.error.message).toMatch(/over the 100000-byte limit \(ABCA_CHECKPOINT_MAX_BYTES\)/);
    expect(done.pr_url).toBeNull();
    const events = await api.allEvents(id);
    expect(events.find((e) => e.type === 'workspace.checkpoint_failed')?.data.code).toBe('WORK_TOO_LARGE');
    expect(events.some((e) => e.type === 'step.started' && e.data.step === 'finalization')).toBe(false);
  }, 120_000);
});
