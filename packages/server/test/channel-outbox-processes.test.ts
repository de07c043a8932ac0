import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTask } from '../src/channels/gateway.ts';
import { createLogger } from '../src/ops/logger.ts';
import { type FakeChatServer, startFakeChatServer } from './support/fake-chat-server.ts';
import { withoutAdmission } from './support/no-admission.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Channel notices across real platform processes sharing one database: the API in this process,
 * the workflows and the outbox dispatchers in worker processes that deliver to a fake channel
 * (ABCA_FAKE_CHANNEL_URL) over real HTTP. Two workers never deliver one task's notices at once;
 * a worker SIGKILLed while the channel holds its delivery open (the post took effect, the answer
 * never came), or between posting its status message and recording the message's id, leaves the
 * rows pending, and after the restart each state shows exactly once, with one status message.
 */
let api: TestPlatform;
let chat: FakeChatServer;
let w1: PlatformProcess | undefined;
let w2: PlatformProcess | undefined;
let env: Record<string, string>;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  chat = await startFakeChatServer();
  api = await startTestPlatform({}, { apiOnly: true });
  expect(
    (await api.request('POST', '/v1/repos', { body: { repo: 'acme/chan', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  await api.userKey('alice');
  env = {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_FAKE_DELAY_MS: '100',
    ABCA_RECONCILE_MS: '200',
    ABCA_HEARTBEAT_MS: '300',
    ABCA_EXECUTOR_STALE_MS: '5000',
    ABCA_FAKE_CHANNEL_URL: chat.url,
  };
  // Two platforms on one database; the second on a state folder of its own (another machine).
  [w1, w2] = await Promise.all([
    spawnPlatform('worker', env),
    spawnPlatform('worker', { ...env, ABCA_HOME: mkdtempSync(join(tmpdir(), 'abca-outbox-other-')) }),
  ]);
}, 180_000);
afterAll(async () => {
  await w1?.kill('SIGTERM');
  await w2?.kill('SIGTERM');
  await api?.platform.stop();
  await chat?.close();
});

let n = 0;
async function githubTask(): Promise<string> {
  n++;
  const made = await submitTask(
    {
      db: api.platform.db,
      log,
      orchestrator: withoutAdmission(api.platform.db),
      config: api.platform.config,
    },
    {
      userId: 'alice',
      body: { repo: 'acme/chan', issue_number: n, task_description: `channel task ${n}` },
      idempotencyKey: `github:outbox-${n}-${Date.now()}`,
      channelRef: {
        channel: 'github',
        delivery_id: `outbox-${n}-${Date.now()}`,
        owner_repo: 'acme/chan',
        issue_number: n,
        trigger: 'label',
        sender: 'octocat',
      },
    },
  );
  return made.task.task_id;
}

async function allDelivered(taskId: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.platform.db.query<{
      event_seq: number;
      event_type: string;
      status: string | null;
      delivered_at: Date | null;
    }>(
      'SELECT event_seq, event_type, status, delivered_at FROM channel_outbox WHERE task_id = $1 ORDER BY id',
      [taskId],
    );
    if (r.rows.length && r.rows.every((x) => x.delivered_at)) return r.rows;
    if (Date.now() > deadline)
      throw new Error(`notices of ${taskId} not delivered: ${JSON.stringify(r.rows)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The channel shows one message per state, in order, and one status message showing the last. */
function expectOncePerState(taskId: string, rows: Awaited<ReturnType<typeof allDelivered>>) {
  const shown = chat.messages(`github:${taskId}`);
  const text = (r: (typeof rows)[number]) => (r.status ? `${r.event_type} ${r.status}` : r.event_type);
  expect(shown.filter((m) => m.marker.startsWith('abca-notice:')).map((m) => m.text)).toEqual(rows.map(text));
  const status = shown.filter((m) => m.marker === `abca-status:${taskId}`);
  expect(status).toHaveLength(1);
  expect(status[0]?.text).toBe(text(rows.at(-1) as (typeof rows)[number]));
}

describe('channel notices across processes', () => {
  it('two platforms on one database deliver each task’s notices once, never two deliveries at once', async () => {
    chat.setDelayMs(30);
    const ids = await Promise.all([githubTask(), githubTask(), githubTask()]);
    for (const id of ids) {
      const done = await api.waitFor(id, (t) => t.status === 'COMPLETED', 120_000);
      expect(done.channel).toBe('github');
      const rows = await allDelivered(id);
      expect(rows.map((r) => r.status ?? r.event_type)).toEqual(
        expect.arrayContaining(['task.created', 'RUNNING', 'finalization.pr_opened', 'COMPLETED']),
      );
      expectOncePerState(id, rows);
    }
    expect(chat.interleaved()).toEqual([]);
    chat.setDelayMs(0);
  }, 240_000);

  it('a worker killed while the channel holds its delivery open: after the restart, each state once', async () => {
    // One worker only, so the held delivery is the one this test kills.
    await w2?.kill('SIGTERM');
    w2 = undefined;
    const held = chat.hold((r) => r.method === 'POST' && r.text === 'task.status_changed RUNNING');
    const id = await githubTask();
    const request = await held.arrived;
    expect(request.conversation).toBe(`github:${id}`);
    // The post took effect on the channel; the worker never hears back, and dies.
    await w1?.kill('SIGKILL');
    held.release();
    const pending = await api.platform.db.query(
      "SELECT 1 FROM channel_outbox WHERE task_id = $1 AND status = 'RUNNING' AND delivered_at IS NULL",
      [id],
    );
    expect(pending.rowCount).toBe(1);
    w1 = await spawnPlatform('worker', env);
    await api.waitFor(id, (t) => t.status === 'COMPLETED', 120_000);
    const rows = await allDelivered(id);
    expectOncePerState(id, rows);
    expect(
      chat.messages(`github:${id}`).filter((m) => m.text === 'task.status_changed RUNNING'),
    ).toHaveLength(1);
  }, 240_000);

  it('a worker killed between posting the status message and recording its id: one status message', async () => {
    const held = chat.hold((r) => r.method === 'POST' && (r.marker ?? '').startsWith('abca-status:'));
    const id = await githubTask();
    const request = await held.arrived;
    expect(request.conversation).toBe(`github:${id}`);
    await w1?.kill('SIGKILL');
    held.release();
    // Posted on the channel, never recorded here: the next delivery must find it by its marker.
    const stored = await api.platform.db.query('SELECT 1 FROM channel_messages WHERE task_id = $1', [id]);
    expect(stored.rowCount).toBe(0);
    w1 = await spawnPlatform('worker', env);
    await api.waitFor(id, (t) => t.status === 'COMPLETED', 120_000);
    const rows = await allDelivered(id);
    expectOncePerState(id, rows);
    const status = chat.messages(`github:${id}`).find((m) => m.marker === `abca-status:${id}`);
    const saved = await api.platform.db.query<{ external_id: string }>(
      "SELECT external_id FROM channel_messages WHERE task_id = $1 AND purpose = 'status'",
      [id],
    );
    expect(saved.rows).toEqual([{ external_id: status?.id }]);
  }, 240_000);
});
