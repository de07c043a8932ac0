import { execFileSync } from 'node:child_process';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import type { TestPlatform } from './support/platform.ts';

/**
 * A worker on another machine takes a task over when the first one dies: its workspace is not on
 * the new worker's disk. In finalization the agent's work comes back from the checkpoint the agent
 * step saved in the database; in the middle of the agent step (no checkpoint yet) the workspace is
 * made anew and the agent starts over. Either way the task ends with the change in one PR.
 */
let world: CrashWorld;
let model: ScriptedModelServer;
let api: TestPlatform;

const FIXED_GREET = "export function greet(name) {\n  return 'Hi, ' + name + '!';\n}\n";
const FIXED_TEST =
  "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { greet } from './greet.js';\n\ntest('greets', () => assert.equal(greet('Ada'), 'Hi, Ada!'));\n";

beforeAll(async () => {
  world = await startCrashWorld();
  ({ model, api } = world);
}, 120_000);
afterAll(async () => {
  await world?.close();
});

/**
 * The first worker's finalization waits (in its validation) until the test kills it, with no race:
 * the agent leaves `.first-machine` in its workspace, an ignored file, so the checkpoint does not
 * carry it and the tests run straight through on the next machine (and in pre-flight's baseline).
 */
const GATED_TESTS = 'if [ -e .first-machine ]; then sleep 600; fi; node --test';
const stayOnFirstMachine = () => reply().tool('write_file', { path: '.first-machine', content: '' });

async function onboard(name: string, settings: Record<string, unknown> = {}): Promise<string> {
  const remote = makeRemote({ ...GREET_OK, '.gitignore': '.first-machine\n' });
  await api.request('POST', '/v1/repos', {
    body: {
      repo: name,
      forge: { kind: 'git', url: remote },
      settings: { test_command: GATED_TESTS, validation_mode: 'strict', ...settings },
    },
  });
  return remote;
}

async function finish(id: string) {
  const done = await api.waitFor(
    id,
    (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
    120_000,
  );
  const events = await api.allEvents(id);
  return { done, events };
}

function remoteFile(remote: string, branch: string, path: string): string {
  return execFileSync('git', ['--git-dir', remote, 'show', `refs/heads/${branch}:${path}`], {
    encoding: 'utf8',
  });
}

describe('a task taken over by a worker on another machine', () => {
  it('finishes finalization from the checkpoint of the agent step', async () => {
    const remote = await onboard('moved-in-finalization');
    model.reset();
    model.script(
      reply().tool('write_file', { path: 'greet.js', content: FIXED_GREET }),
      reply().tool('write_file', { path: 'greet.test.js', content: FIXED_TEST }),
      stayOnFirstMachine(),
      // Left uncommitted on purpose: the checkpoint commits leftovers first.
      reply().text('Greets with Hi now.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'moved-in-finalization', task_description: 'Greet with Hi' },
    });
    const id = created.body.data.task_id as string;
    const saved = await api.waitForEvent(id, (e) => e.type === 'workspace.checkpoint_saved');
    expect(saved.data.bytes).toBeGreaterThan(0);
    await api.waitForEvent(id, (e) => e.type === 'step.started' && e.data.step === 'finalization');
    await world.crashWorker({ onAnotherMachine: true });

    const { done, events } = await finish(id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(events.filter((e) => e.type === 'workspace.restored')).toHaveLength(1);
    expect(events.some((e) => e.type === 'workspace.recreated')).toBe(false);
    // The model was asked four times in all: nothing of the agent's run was repeated.
    expect(model.requests).toHaveLength(4);
    expect(done.outcome.commits).toHaveLength(1);
    expect(done.outcome.validation.passed).toBe(true);
    expect(remoteFile(remote, done.branch_name, 'greet.js')).toBe(FIXED_GREET);
    const prs = (await api.request('GET', `/v1/prs?task_id=${id}`)).body.data;
    expect(prs).toHaveLength(1);
    // The checkpoint is dropped once the task has ended.
    const left = await api.platform.db.query('SELECT 1 FROM workspace_snapshots WHERE task_id = $1', [id]);
    expect(left.rowCount).toBe(0);
  }, 240_000);

  it('runs the setup command again in the restored workspace, and ends SETUP_FAILED when it fails there', async () => {
    // Passes in pre-flight's fresh clone, fails once the agent's work is back in the workspace.
    await onboard('setup-fails-after-move', { setup_command: 'test ! -e AGENT_WAS_HERE.md' });
    model.reset();
    model.script(
      reply().tool('write_file', { path: 'AGENT_WAS_HERE.md', content: 'yes\n' }),
      stayOnFirstMachine(),
      reply().text('Left a mark.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'setup-fails-after-move', task_description: 'Leave a mark' },
    });
    const id = created.body.data.task_id as string;
    await api.waitForEvent(id, (e) => e.type === 'step.started' && e.data.step === 'finalization');
    await world.crashWorker({ onAnotherMachine: true });

    const { done, events } = await finish(id);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('SETUP_FAILED');
    expect(done.error.message).toMatch(/restored workspace/);
    expect(events.find((e) => e.type === 'workspace.setup')?.data.ok).toBe(false);
    expect(done.pr_url).toBeNull();
  }, 240_000);

  it('starts the agent over in a new workspace when the move comes before any checkpoint', async () => {
    const remote = await onboard('moved-mid-agent');
    model.reset();
    model.script(
      reply().tool('write_file', { path: 'greet.js', content: 'lost with the first worker\n' }),
      // The first worker dies waiting for this answer; it is never delivered.
      reply().delay(60_000).text('never'),
      // The new worker's agent starts from the task again.
      reply().tool('write_file', { path: 'greet.js', content: FIXED_GREET }),
      reply().tool('write_file', { path: 'greet.test.js', content: FIXED_TEST }),
      reply().tool('bash', { command: 'git add -A && git commit -q -m "Greet with Hi"' }),
      reply().text('Greets with Hi now.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'moved-mid-agent', task_description: 'Greet with Hi' },
    });
    const id = created.body.data.task_id as string;
    await model.waitForRequest(2, 60_000);
    await world.crashWorker({ onAnotherMachine: true });

    const { done, events } = await finish(id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(events.filter((e) => e.type === 'workspace.recreated')).toHaveLength(1);
    // The third request starts a conversation again: only the task, no earlier tool results.
    const third = model.requests[2]?.body as { messages: { role: string }[] };
    expect(third.messages.filter((m) => m.role !== 'system')).toHaveLength(1);
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Greet with Hi']);
    expect(remoteFile(remote, done.branch_name, 'greet.js')).toBe(FIXED_GREET);
  }, 240_000);
});
