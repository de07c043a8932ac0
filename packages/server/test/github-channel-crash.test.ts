import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createChannelMessages } from '../src/channels/channel-messages.ts';
import { submitTask } from '../src/channels/gateway.ts';
import { linkIdentity } from '../src/channels/identities.ts';
import { createLogger } from '../src/ops/logger.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { transition } from '../src/store/task-store.ts';
import { withoutAdmission } from './support/no-admission.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';
import { until } from './support/until.ts';

/**
 * GitHub's crash test: a process dies between posting the status comment and recording its id,
 * and (with the outbox dispatcher) the platform dies between a state change and its notification;
 * the issue still shows exactly one status comment, in the task's last state, and one reaction.
 */
const TOKEN = 'ghp_crashChannelToken0123456789abcdefAB';
const SECRET = 'github-crash-test-secret-0123';
const CHILD = fileURLToPath(new URL('./support/github-notify-child.ts', import.meta.url));
let gh: FakeGitHub;
let model: ScriptedModelServer;
let databaseUrl: string;
let home: string;
let db: Db;
let server: PlatformProcess | undefined;

const env = () => ({
  ABCA_HOME: home,
  ABCA_PORT: '0',
  DATABASE_URL: databaseUrl,
  ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
  ABCA_MODEL_BASE_URL: model.baseUrl,
  ABCA_MEMORY_LEARNING: 'off',
  ANTHROPIC_API_KEY: 'sk-ant-crash-test-key-0000',
  ABCA_GITHUB_TOKEN: TOKEN,
  ABCA_GITHUB_API_URL: gh.apiUrl,
  ABCA_GITHUB_WEBHOOK_SECRET: SECRET,
  ABCA_GITHUB_BOT_LOGIN: 'abca-bot',
  ABCA_RECONCILE_MS: '200',
});

beforeAll(async () => {
  const seed = mkdtempSync(join(tmpdir(), 'abca-seed-'));
  writeFileSync(join(seed, 'README.md'), '# web\n');
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'web', seedDir: seed }],
    tokens: { [TOKEN]: { login: 'abca-bot', permissions: 'write' } },
  });
  gh.setCollaborator('acme', 'web', 'alice', 'write');
  model = await createScriptedModelServer();
  home = mkdtempSync(join(tmpdir(), 'abca-ghcrash-'));
  databaseUrl = await createTestDatabase('ghcrash');
  server = await spawnPlatform('serve', env());
  db = createPool(databaseUrl, 2);
  await linkIdentity(db, 'github', 'alice', 'admin');
  const { url, key } = endpoint();
  const onboard = await fetch(`${url}/v1/repos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ repo: 'acme/web' }),
  });
  expect(onboard.status).toBe(201);
}, 120_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await db?.end();
  await model?.close();
  await gh?.close();
});

function endpoint() {
  const { url } = JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as { url: string };
  return { url, key: readFileSync(join(home, 'admin.key'), 'utf8').trim() };
}

async function label(number: number): Promise<string> {
  const res = await gh.sendWebhook(`${endpoint().url}/webhooks/github`, {
    event: 'issues',
    action: 'labeled',
    owner: 'acme',
    name: 'web',
    number,
    sender: 'alice',
    label: 'abca',
    secret: SECRET,
  });
  expect(res.status, res.body).toBe(201);
  return JSON.parse(res.body).data.task_id as string;
}

function runChild(
  taskId: string,
  crash?: 'crash-after-post',
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const arg = JSON.stringify({
    databaseUrl,
    taskId,
    apiUrl: gh.apiUrl,
    token: TOKEN,
    ...(crash ? { crash } : {}),
  });
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, arg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
}

const ours = (number: number, taskId: string) =>
  gh.issueComments('acme', 'web', number).filter((c) => c.body.includes(`<!-- abca:task:${taskId} -->`));

describe('GitHub channel across crashes', () => {
  it('a process killed after posting the status comment and before recording its id: the next finds it, never two', async () => {
    // No platform runs meanwhile, so nothing but the child delivers this task's notices.
    await server?.kill('SIGTERM');
    server = undefined;
    const number = gh.addIssue('acme', 'web', { title: 'Crash after post' });
    const made = await submitTask(
      {
        db,
        log: createLogger({ level: 'silent' }),
        orchestrator: withoutAdmission(db),
        config: {
          defaultMaxTurns: 10,
          defaultMaxBudgetUsd: undefined,
          model: 'anthropic:claude-sonnet-4-5',
          prices: {},
          caps: { global: 4, perUser: 4, perRepo: 4 },
        },
      },
      {
        userId: 'admin',
        body: { repo: 'acme/web', issue_number: number },
        idempotencyKey: 'github:crash-after-post',
        channelRef: {
          channel: 'github',
          delivery_id: 'crash-after-post',
          owner_repo: 'acme/web',
          issue_number: number,
          trigger: 'label',
          sender: 'alice',
        },
      },
    );
    const taskId = made.task.task_id;
    const crashed = await runChild(taskId, 'crash-after-post');
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(ours(number, taskId)).toHaveLength(1);
    const messages = createChannelMessages(db, 'github');
    expect(await messages.get(taskId, 'status')).toBeUndefined();
    const again = await runChild(taskId);
    expect(again.code, again.stderr).toBe(0);
    const after = ours(number, taskId);
    expect(after).toHaveLength(1);
    expect(after[0]?.edits).toBe(1);
    expect(await messages.get(taskId, 'status')).toBe(String(after[0]?.id));
    expect(gh.reactions('acme', 'web', { issue: number })).toHaveLength(1);
    // Not run when the platform is back: the next test's model script is for its own task.
    expect(await transition(db, taskId, 'CANCELLED')).toBeDefined();
    server = await spawnPlatform('serve', env());
  }, 120_000);

  it('the platform killed between state changes and their notifications: after a restart, one comment in the final state', async () => {
    const number = gh.addIssue('acme', 'web', { title: 'Crash before notify', body: 'Add HELLO.md.' });
    // Every answer on GitHub hangs: the changes happen, their notifications cannot complete.
    gh.fail(
      {
        method: 'POST',
        path: /^\/repos\/acme\/web\/issues\/(\d+|comments\/\d+)\/(comments|reactions)$/,
        times: 10_000,
      },
      'hang',
    );
    gh.fail({ method: 'PATCH', path: /^\/repos\/acme\/web\/issues\/comments\/\d+$/, times: 10_000 }, 'hang');
    model.script(
      reply().tool('write_file', { path: 'HELLO.md', content: 'Hello!\n' }),
      reply().tool('bash', { command: 'git add HELLO.md && git commit -qm "Add HELLO.md"' }),
      reply().text('Added HELLO.md.'),
    );
    const taskId = await label(number);
    await until('the task to complete', async () => {
      const r = await db.query<{ status: string }>('SELECT status FROM tasks WHERE task_id = $1', [taskId]);
      return r.rows[0]?.status === 'COMPLETED' ? true : undefined;
    });
    const pending = await db.query(
      'SELECT 1 FROM channel_outbox WHERE task_id = $1 AND delivered_at IS NULL',
      [taskId],
    );
    expect(pending.rowCount).toBeGreaterThan(0);
    await server?.kill('SIGKILL');
    gh.clearFaults();
    server = await spawnPlatform('serve', env());
    const final = await until('one status comment in its final state', () => {
      const list = ours(number, taskId);
      return list.length === 1 && list[0]?.body.includes('Completed') ? list : undefined;
    });
    expect(final[0]?.body).toMatch(/\/acme\/web\/pull\/\d+/);
    expect(ours(number, taskId)).toHaveLength(1);
    expect(gh.reactions('acme', 'web', { issue: number })).toHaveLength(1);
  }, 240_000);
});
