import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { linkIdentity } from '../src/channels/identities.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';
import { until } from './support/until.ts';

/**
 * GitHub as a channel, end to end: a platform process, the fake GitHub, the scripted model. A
 * writer labels an issue; GitHub's signed delivery becomes a task, the task a PR; the issue shows
 * 👀 and ONE status comment, edited to its final state with the PR link (and no other comment from
 * ABCA). A reader's mention creates nothing and gets a reply.
 */
const TOKEN = 'ghp_e2eChannelToken0123456789abcdefABCD';
const SECRET = 'e2e-github-channel-secret-42';
const MODEL_KEY = 'sk-ant-e2e-channel-key-1a2b3c4d';
let gh: FakeGitHub;
let model: ScriptedModelServer;
let server: PlatformProcess;
let home: string;
let db: Db;

beforeAll(async () => {
  const seed = mkdtempSync(join(tmpdir(), 'abca-seed-'));
  writeFileSync(join(seed, 'README.md'), '# web\n');
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'web', defaultBranch: 'main', seedDir: seed, private: true }],
    tokens: { [TOKEN]: { login: 'abca-bot', permissions: 'write' } },
  });
  gh.setCollaborator('acme', 'web', 'alice', 'write');
  gh.setCollaborator('acme', 'web', 'rita', 'read');
  model = await createScriptedModelServer();
  home = mkdtempSync(join(tmpdir(), 'abca-ghc-'));
  const databaseUrl = await createTestDatabase('ghc');
  server = await spawnPlatform('serve', {
    ABCA_HOME: home,
    ABCA_PORT: '0',
    DATABASE_URL: databaseUrl,
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MEMORY_LEARNING: 'off',
    ANTHROPIC_API_KEY: MODEL_KEY,
    ABCA_GITHUB_TOKEN: TOKEN,
    ABCA_GITHUB_API_URL: gh.apiUrl,
    ABCA_GITHUB_WEBHOOK_SECRET: SECRET,
    ABCA_GITHUB_BOT_LOGIN: 'abca-bot',
    ABCA_RECONCILE_MS: '200',
  });
  db = createPool(databaseUrl, 2);
  await linkIdentity(db, 'github', 'alice', 'admin');
}, 120_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await db?.end();
  await model?.close();
  await gh?.close();
});

function api() {
  const { url } = JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as { url: string };
  const key = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  return {
    url,
    call: async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
  };
}

/** Waits for `pred` (the platform's outbox dispatcher answers on GitHub meanwhile). */

describe('GitHub channel, end to end', () => {
  it('a labelled issue becomes a PR; the issue shows 👀 and one status comment, edited to its end', async () => {
    const { url, call } = api();
    expect((await call('POST', '/v1/repos', { repo: 'acme/web' })).status).toBe(201);
    const issue = gh.addIssue('acme', 'web', { title: 'Add a greeting', body: 'Please add GREETING.md.' });
    model.script(
      reply().tool('write_file', { path: 'GREETING.md', content: 'Hello!\n' }),
      reply().tool('bash', { command: 'git add GREETING.md && git commit -qm "Add a greeting"' }),
      reply().text('Added GREETING.md.'),
    );
    const res = await gh.sendWebhook(`${url}/webhooks/github`, {
      event: 'issues',
      action: 'labeled',
      owner: 'acme',
      name: 'web',
      number: issue,
      sender: 'alice',
      label: 'abca',
      secret: SECRET,
    });
    expect(res.status, res.body).toBe(201);
    const taskId = JSON.parse(res.body).data.task_id as string;
    const task = await until('the task to end', async () => {
      const t = (await call('GET', `/v1/tasks/${taskId}`)).body.data;
      return ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status) ? t : undefined;
    });
    expect(task.status, JSON.stringify(task.error)).toBe('COMPLETED');
    expect(task.pr_url).toContain('/acme/web/pull/');
    const final = await until('the status comment to reach its end', async () => {
      const ours = gh.issueComments('acme', 'web', issue).filter((c) => c.author === 'abca-bot');
      return ours.length === 1 && ours[0]?.body.includes('Completed') ? ours : undefined;
    });
    // One comment from ABCA on the issue: the status comment, edited in place, with the PR link.
    expect(gh.issueComments('acme', 'web', issue).filter((c) => c.author === 'abca-bot')).toHaveLength(1);
    expect(final[0]?.body).toContain(task.pr_url);
    expect(final[0]?.body).toContain(`<!-- abca:task:${taskId} -->`);
    expect(final[0]?.body).toMatch(/3 turns/);
    expect(final[0]?.edits).toBeGreaterThanOrEqual(1);
    expect(final[0]?.body).not.toContain(TOKEN);
    expect(gh.reactions('acme', 'web', { issue })).toEqual([
      expect.objectContaining({ user: 'abca-bot', content: 'eyes' }),
    ]);
    expect(gh.pulls('acme', 'web')).toHaveLength(1);
  }, 240_000);

  it('a mention by a reader creates nothing and gets a reply', async () => {
    const { url, call } = api();
    const before = (await call('GET', '/v1/tasks?limit=100')).body.data.length;
    const issue = gh.addIssue('acme', 'web', { title: 'Please' });
    const commentId = gh.addIssueComment('acme', 'web', issue, { author: 'rita', body: '@abca fix it' });
    const res = await gh.sendWebhook(`${url}/webhooks/github`, {
      event: 'issue_comment',
      action: 'created',
      owner: 'acme',
      name: 'web',
      number: issue,
      commentId,
      sender: 'rita',
      secret: SECRET,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).data.outcome).toBe('refused:no_write_access');
    expect((await call('GET', '/v1/tasks?limit=100')).body.data.length).toBe(before);
    const replies = gh.issueComments('acme', 'web', issue).filter((c) => c.author === 'abca-bot');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain('write access');
  }, 60_000);
});
