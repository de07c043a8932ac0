import { existsSync, readdirSync } from 'node:fs';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The validation gate end to end on plain git repos: a change that breaks the repo's tests ends
 * FAILED with VALIDATION_FAILED and a draft PR holding the failing output; a regression_only repo
 * whose tests were already red does not fail the task for that.
 */
/** The bubblewrap backend's default run folder: one entry per live sandbox. */
const RUN_DIR = '/run/abca-sandbox';
let model: ScriptedModelServer;
let p: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
  });
});
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

async function runTask(repo: string, settings: Record<string, unknown>, files: Record<string, string>) {
  await p.request('POST', '/v1/repos', {
    body: { repo, forge: { kind: 'git', url: makeRemote(files) }, settings },
  });
  const created = await p.request('POST', '/v1/tasks', { body: { repo, task_description: 'Change greet' } });
  expect(created.status).toBe(201);
  return p.waitFor(
    created.body.data.task_id,
    (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
    90_000,
  );
}

/** Whether the task's sandbox run folder (made while it runs, removed by stop) goes away. */
async function sandboxGone(taskId: string, timeoutMs = 10_000): Promise<boolean> {
  const prefix = `${taskId.toLowerCase()}-`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const entries = existsSync(RUN_DIR) ? readdirSync(RUN_DIR) : [];
    if (!entries.some((e) => e.startsWith(prefix))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('validation gate', () => {
  it('a change that breaks the tests ends VALIDATION_FAILED with a draft PR holding the failure', async () => {
    model.script(
      reply().tool('write_file', {
        path: 'greet.js',
        content: "export function greet(name) {\n  return 'nope';\n}\n",
      }),
      reply().tool('bash', { command: 'git commit -qam "Break greet"' }),
      reply().text('Changed greet.'),
    );
    const done = await runTask(
      'breaks',
      { test_command: 'node --test', validation_mode: 'strict' },
      GREET_OK,
    );
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('VALIDATION_FAILED');
    expect(done.outcome.pr.draft).toBe(true);
    expect(done.outcome.validation).toMatchObject({ passed: false, failing: ['test'] });
    const pr = await p.request('GET', `/v1/prs/${done.outcome.pr.number}?diff=false`);
    expect(pr.body.data.draft).toBe(true);
    expect(pr.body.data.body).toMatch(/Validation \(strict\): failed \(test\)/);
    expect(pr.body.data.body).toMatch(/AssertionError|Expected values to be strictly equal/);
    expect(pr.body.data.body).toContain("'nope'");
  });

  it('regression_only does not fail a task for tests that were already red', async () => {
    model.reset();
    model.script(
      reply().tool('write_file', { path: 'NOTES.md', content: 'notes\n' }),
      reply().tool('bash', { command: 'git add NOTES.md && git commit -qm "Add notes"' }),
      reply().text('Added notes.'),
    );
    const red = { ...GREET_OK, 'greet.js': "export function greet() {\n  return 'hi';\n}\n" };
    const done = await runTask(
      'already-red',
      { test_command: 'node --test', validation_mode: 'regression_only' },
      red,
    );
    expect(done.status).toBe('COMPLETED');
    expect(done.outcome.validation).toMatchObject({ mode: 'regression_only', passed: true });
    expect(done.outcome.validation.checks[0]).toMatchObject({ ok: false, baselineOk: false });
    expect(done.outcome.pr.draft).toBe(false);
  });

  it("takes the repo's .abca/config.yaml suggestions, with the operator's settings winning", async () => {
    model.reset();
    model.script(
      reply().tool('bash', {
        command: 'echo notes > NOTES.md && git add NOTES.md && git commit -qm "Add notes"',
      }),
      reply().text('Added notes.'),
    );
    const files = {
      ...GREET_OK,
      '.abca/config.yaml':
        'test_command: node --test\nvalidation_mode: informational\nmax_turns: 3\nsecret_key: nope\n',
    };
    const done = await runTask('with-config', { validation_mode: 'strict' }, files);
    expect(done.status).toBe('COMPLETED');
    // The repo suggested the test command; the operator's strict mode won over the file's informational.
    expect(done.outcome.validation).toMatchObject({ mode: 'strict', passed: true });
    expect(done.outcome.validation.checks.map((c: { command: string }) => c.command)).toEqual([
      'node --test',
    ]);
    const events = (await p.request('GET', `/v1/tasks/${done.task_id}/events?limit=100`)).body.data as any[];
    expect(events.find((e) => e.type === 'hydration.warning')?.data.message).toMatch(
      /secret_key is not a setting/,
    );
  });

  it('a setup command that fails ends SETUP_FAILED before any model call', async () => {
    model.reset();
    const done = await runTask('bad-setup', { setup_command: 'echo installing; exit 3' }, GREET_OK);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('SETUP_FAILED');
    expect(done.error.message).toContain('installing');
    expect(model.requests).toHaveLength(0);
    // The sandbox pre-flight made for the setup command is stopped when the run ends.
    expect(await sandboxGone(done.task_id)).toBe(true);
  });

  it('an agent that changes nothing ends NO_CHANGES without a PR', async () => {
    model.reset();
    model.script(reply().text('Nothing to do.'));
    const done = await runTask('no-change', {}, GREET_OK);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('NO_CHANGES');
    expect(done.pr_url).toBeNull();
  });
});
