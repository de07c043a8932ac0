import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/** Forge-side bad input on plain git remotes: each ends in its typed failure, never a hung task. */
let model: ScriptedModelServer;
let p: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MAX_TASKS_PER_USER: '1',
  });
});
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

const terminal = (t: any) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status);

/** Onboards without verifying: these remotes are broken on purpose, to see how their tasks fail. */
async function onboard(repo: string, url: string, settings: Record<string, unknown> = {}) {
  const res = await p.request('POST', '/v1/repos', {
    body: { repo, forge: { kind: 'git', url }, settings, verify: false },
  });
  expect(res.status).toBe(201);
}

async function submit(repo: string) {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo, task_description: 'Change something' },
  });
  expect(created.status).toBe(201);
  return created.body.data;
}

describe('forge failures', () => {
  it('an unreachable remote ends REPO_NOT_FOUND_OR_NO_ACCESS', async () => {
    await onboard('gone', '/nonexistent/path/to/repo.git');
    const done = await p.waitFor((await submit('gone')).task_id, terminal, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');
    expect(done.error.remedy.length).toBeGreaterThan(10);
  });

  it('a repo without its default branch fails with a typed error', async () => {
    await onboard('no-branch', makeRemote(GREET_OK), { default_branch: 'develop' });
    const done = await p.waitFor((await submit('no-branch')).task_id, terminal, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.message).toMatch(/develop/);
    expect(done.error.code).toMatch(/REPO_NOT_FOUND_OR_NO_ACCESS|DEFAULT_BRANCH/);
  });

  it('a branch that already exists on the remote ends BRANCH_EXISTS', async () => {
    const remote = makeRemote(GREET_OK);
    await onboard('taken', remote);
    model.reset();
    model.script(reply().hang()); // holds the user's only slot
    const blocker = await submit('taken');
    await p.waitFor(blocker.task_id, (t) => t.status === 'RUNNING', 60_000);
    const queued = await submit('taken');
    expect(queued.status).toBe('QUEUED');
    execFileSync('git', ['-C', remote, 'branch', queued.branch_name, 'main']);
    await p.request('DELETE', `/v1/tasks/${blocker.task_id}`);
    const done = await p.waitFor(queued.task_id, terminal, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('BRANCH_EXISTS');
  });

  it('a push the remote rejects ends PUSH_REJECTED, with no PR', async () => {
    const remote = makeRemote(GREET_OK);
    const hook = join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "protected: pushes are not allowed" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    await onboard('rejects', remote);
    model.reset();
    model.script(
      reply().tool('bash', { command: 'echo x > x.txt && git add x.txt && git commit -qm x' }),
      reply().text('Done.'),
    );
    const done = await p.waitFor((await submit('rejects')).task_id, terminal, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('PUSH_REJECTED');
    expect(done.pr_url).toBeNull();
    expect((await p.request('GET', '/v1/prs?repo=rejects')).body.data).toHaveLength(0);
  });
});
