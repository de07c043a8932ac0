import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeSlack, startFakeSlack } from '@abca/fake-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { linkIdentity } from '../src/channels/identities.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { type ApiClient, apiClient } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';
import { until } from './support/until.ts';

/**
 * A crash between Slack posting ABCA's thread message and ABCA recording its id: the process that
 * delivers is SIGKILLed while the fake Slack holds its `chat.postMessage` answer (the message is
 * already in the thread). After the restart, the thread still holds ONE message for the task,
 * found again by its metadata and edited to the task's end. And a kill while a state change's edit
 * is in flight (not applied): the change shows after the restart, in the same message. The platform
 * runs as a real `serve` process whose outbox dispatcher delivers.
 */
const SIGNING_SECRET = 'slack-signing-secret-for-tests-0004';
const CHANNEL = 'C0CRASH01';
let slack: FakeSlack;
let db: Db;
let env: Record<string, string>;
let serve: PlatformProcess | undefined;
let api: ApiClient;

async function start() {
  serve = await spawnPlatform('serve', env);
  const adminKey = readFileSync(join(env.ABCA_HOME as string, 'admin.key'), 'utf8').trim();
  api = apiClient(serve.url as string, adminKey, db, env.DATABASE_URL);
}

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET });
  const databaseUrl = await createTestDatabase('slack_crash');
  db = createPool(databaseUrl, 4);
  env = {
    DATABASE_URL: databaseUrl,
    ABCA_HOME: mkdtempSync(join(tmpdir(), 'abca-slack-crash-')),
    ABCA_PORT: '0',
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_RECONCILE_MS: '200',
    ABCA_HEARTBEAT_MS: '300',
    ABCA_EXECUTOR_STALE_MS: '5000',
    ABCA_STOP_TIMEOUT_S: '5',
    ABCA_SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ABCA_SLACK_BOT_TOKEN: slack.botToken,
    ABCA_SLACK_API_URL: slack.apiUrl,
  };
  await start();
  expect(
    (await api.request('POST', '/v1/repos', { body: { repo: 'acme/crash', forge: { kind: 'fake' } } }))
      .status,
  ).toBe(201);
  await api.userKey('alice');
  slack.addUser({ id: 'U0ALICE01' });
  await linkIdentity(db, 'slack', `${slack.teamId}:U0ALICE01`, 'alice');
}, 180_000);
afterAll(async () => {
  await serve?.kill('SIGTERM');
  await db?.end();
  await slack?.close();
});

describe('SIGKILL between Slack posting the thread message and ABCA recording it', () => {
  it('leaves one message per task, edited to the end after the restart', async () => {
    slack.holdNext('chat.postMessage', { afterEffect: true });
    const sent = await slack
      .sender(api.url)
      .mention(CHANNEL, 'U0ALICE01', 'acme/crash tidy up [fake:turns=3] [fake:turn_ms=200]');
    expect(sent.json.outcome).toBe('task');
    const taskId = (
      await db.query<{ task_id: string }>(
        `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
        [sent.eventId],
      )
    ).rows[0]?.task_id as string;

    await Promise.race([
      slack.whenHeld(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('chat.postMessage was never called')), 120_000),
      ),
    ]);
    expect(slack.botReplies(CHANNEL, sent.ts)).toHaveLength(1);
    await serve?.kill('SIGKILL');
    // Nothing recorded: the process died before Slack's answer reached it.
    expect((await db.query('SELECT 1 FROM channel_messages WHERE task_id = $1', [taskId])).rowCount).toBe(0);
    slack.releaseHeld();

    await start();
    const done = await api.waitFor(
      taskId,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      120_000,
    );
    expect(done.status).toBe('COMPLETED');
    const msg = await until('the thread message to show the end', () => {
      const [m] = slack.botReplies(CHANNEL, sent.ts);
      return m?.text.includes('Done') ? m : undefined;
    });
    expect(slack.botReplies(CHANNEL, sent.ts)).toHaveLength(1);
    expect(
      slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === sent.ts),
    ).toHaveLength(1);
    expect(
      (
        await db.query<{ external_id: string }>(
          'SELECT external_id FROM channel_messages WHERE task_id = $1',
          [taskId],
        )
      ).rows,
    ).toEqual([{ external_id: msg.ts }]);
    expect(done.pr_url).toBeTruthy();
    expect(JSON.stringify(msg.blocks)).toContain(done.pr_url);
    await until('the done reaction', () => slack.reactionsOn(CHANNEL, sent.ts).includes('white_check_mark'));
    expect(slack.reactionsOn(CHANNEL, sent.ts)).toEqual(['eyes', 'white_check_mark']);
  }, 300_000);
});

describe('SIGKILL between a state change and its notification', () => {
  it('shows the change after the restart, in the same one message', async () => {
    // The first message is posted; the first edit (the next change) is held before Slack applies it.
    slack.holdNext('chat.update');
    const sender = slack.sender(api.url);
    const sent = await sender.mention(
      CHANNEL,
      'U0ALICE01',
      'acme/crash second [fake:turns=3] [fake:turn_ms=200]',
    );
    expect(sent.json.outcome).toBe('task');
    const taskId = (
      await db.query<{ task_id: string }>(
        `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
        [sent.eventId],
      )
    ).rows[0]?.task_id as string;
    await Promise.race([
      slack.whenHeld(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('chat.update was never called')), 120_000),
      ),
    ]);
    expect(slack.botReplies(CHANNEL, sent.ts)).toHaveLength(1);
    const before = slack.botReplies(CHANNEL, sent.ts)[0]?.text;
    await serve?.kill('SIGKILL');
    slack.releaseHeld();
    await start();
    const done = await api.waitFor(
      taskId,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      120_000,
    );
    expect(done.status).toBe('COMPLETED');
    const msg = await until('the thread message to show the end', () => {
      const [m] = slack.botReplies(CHANNEL, sent.ts);
      return m?.text.includes('Done') ? m : undefined;
    });
    expect(msg.text).not.toBe(before);
    expect(slack.botReplies(CHANNEL, sent.ts)).toHaveLength(1);
    expect(
      slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === sent.ts),
    ).toHaveLength(1);
    await until('the done reaction', () => slack.reactionsOn(CHANNEL, sent.ts).includes('white_check_mark'));
  }, 300_000);
});
