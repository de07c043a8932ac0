import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * A task from a GitHub issue, end to end against the fake GitHub (REST + git smart HTTP): the
 * issue is hydrated into the prompt, the PR opens with the right head and base, the issue gets a
 * comment — and the GitHub token and the model key appear in no event, log line, workspace file,
 * model request or the sandbox's environment.
 */
const TOKEN = 'ghp_e2eSecretToken0123456789abcdefABCD';
const MODEL_KEY = 'sk-ant-e2e-model-key-9f8e7d6c5b4a';
let gh: FakeGitHub;
let model: ScriptedModelServer;
let server: PlatformProcess;
let home: string;

beforeAll(async () => {
  const seed = mkdtempSync(join(tmpdir(), 'abca-seed-'));
  writeFileSync(join(seed, 'README.md'), '# web\n');
  writeFileSync(join(seed, 'AGENTS.md'), 'Write friendly prose.\n');
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'web', defaultBranch: 'main', seedDir: seed, private: true }],
    tokens: { [TOKEN]: { login: 'abca-bot', permissions: 'write' } },
  });
  model = await createScriptedModelServer();
  home = mkdtempSync(join(tmpdir(), 'abca-gh-'));
  server = await spawnPlatform('serve', {
    ABCA_HOME: home,
    ABCA_PORT: '0',
    DATABASE_URL: await createTestDatabase('gh'),
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MEMORY_LEARNING: 'off',
    ANTHROPIC_API_KEY: MODEL_KEY,
    ABCA_GITHUB_TOKEN: TOKEN,
    ABCA_GITHUB_API_URL: gh.apiUrl,
    ABCA_RECONCILE_MS: '200',
    ABCA_TEST_LOG: 'debug',
  });
}, 120_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await model?.close();
  await gh?.close();
});

function api() {
  const { url } = JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as { url: string };
  const key = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = lstatSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

describe('GitHub issue to pull request', () => {
  it('hydrates the issue, opens the PR, comments on the issue, and leaks no secret', async () => {
    const issue = gh.addIssue('acme', 'web', {
      title: 'Add a greeting',
      body: 'Please add GREETING.md saying hello. ISSUE-MARKER-7731',
      comments: [{ author: 'bob', body: 'and make it friendly' }],
    });
    model.script(
      reply().tool('write_file', { path: 'GREETING.md', content: 'Hello, friend!\n' }),
      reply().tool('bash', {
        command:
          'env; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"; git config -l; cat .git/config; true',
      }),
      reply().tool('bash', { command: 'git add GREETING.md && git commit -qm "Add a greeting"' }),
      reply().text('Added GREETING.md.'),
    );
    const call = api();
    expect((await call('POST', '/v1/repos', { repo: 'acme/web' })).status).toBe(201);
    const created = await call('POST', '/v1/tasks', { repo: 'acme/web', issue_number: issue });
    expect(created.status).toBe(201);
    const id = created.body.data.task_id as string;
    let task: any;
    const deadline = Date.now() + 90_000;
    do {
      task = (await call('GET', `/v1/tasks/${id}`)).body.data;
      if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(task.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    expect(task.status, JSON.stringify(task.error)).toBe('COMPLETED');

    // The issue went into the prompt, fenced.
    const first = JSON.stringify(model.requests[0]?.body);
    expect(first).toContain('ISSUE-MARKER-7731');
    expect(first).toContain('and make it friendly');
    expect(first).toContain('UNTRUSTED ISSUE');
    expect(first).toContain('Write friendly prose.');

    // One PR with the task's branch as head and the default branch as base; the issue got a comment.
    const pulls = gh.pulls('acme', 'web');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: { ref: task.branch_name }, base: { ref: 'main' }, draft: false });
    expect(pulls[0]?.body).toContain(`Resolves #${issue}`);
    expect(task.pr_url).toContain(`/acme/web/pull/${pulls[0]?.number}`);
    const comments = gh.issueComments('acme', 'web', issue);
    expect(comments.some((c) => c.body.includes(task.pr_url))).toBe(true);

    // No secret anywhere we can look.
    const events = JSON.stringify((await call('GET', `/v1/tasks/${id}/events?limit=100`)).body.data);
    const envCall = JSON.parse(events).find(
      (e: any) => e.type === 'agent.tool_call' && String(e.data.args?.command).startsWith('env;'),
    );
    expect(envCall.data.result).toContain('PATH=');
    const logs = server.stderr.join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    const workspace = join(home, 'workspaces', id.toLowerCase());
    const files = filesUnder(workspace);
    expect(files.some((f) => f.endsWith('GREETING.md'))).toBe(true);
    const haystacks: [string, string][] = [
      ['events', events],
      ['logs', logs],
      ['model requests', JSON.stringify(model.requests.map((r) => r.body))],
      ['PR body', JSON.stringify(pulls)],
      ...files.map((f): [string, string] => [f, readFileSync(f).toString('latin1')]),
    ];
    for (const secret of [TOKEN, MODEL_KEY, Buffer.from(`x-access-token:${TOKEN}`).toString('base64')]) {
      for (const [where, text] of haystacks)
        expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
  }, 180_000);
});
