import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeChannelNotifier, noticeMarker } from '../src/channels/fake-channel-notifier.ts';
import { submitTask } from '../src/channels/gateway.ts';
import { retryDelayMs } from '../src/channels/outbox-backoff.ts';
import { type OutboxDispatcher, startOutboxDispatcher } from '../src/channels/outbox-dispatcher.ts';
import { createLogger } from '../src/ops/logger.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import { type FakeChatServer, startFakeChatServer } from './support/fake-chat-server.ts';
import { withoutAdmission } from './support/no-admission.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * The outbox dispatcher (channels/outbox-dispatcher.ts) against the real database and a fake
 * channel over real HTTP. The platform here serves the API only (it runs no dispatcher of its
 * own): each test starts the dispatchers it needs, each with its own connections, as separate
 * processes would have.
 */
let p: TestPlatform;
let chat: FakeChatServer;
const started: OutboxDispatcher[] = [];
const log = createLogger({ level: process.env.ABCA_TEST_LOG ?? 'silent' });

beforeAll(async () => {
  // Tasks stay queued (the platform runs no workflows): their changes here are creation and cancel.
  p = await startTestPlatform({}, { apiOnly: true });
  chat = await startFakeChatServer();
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/outbox', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  await p.userKey('alice');
});
afterEach(async () => {
  for (const d of started.splice(0)) await d.stop();
  chat.failNext(0);
  chat.setDelayMs(0);
});
afterAll(async () => {
  await chat?.close();
  await p?.platform.stop();
});

function dispatcher(extra: Partial<Parameters<typeof startOutboxDispatcher>[0]> = {}) {
  return startOutboxDispatcher({
    db: p.platform.db,
    databaseUrl: p.databaseUrl,
    notifiers: [
      createFakeChannelNotifier({ channel: 'github', baseUrl: chat.url }),
      createFakeChannelNotifier({ channel: 'slack', baseUrl: chat.url }),
    ],
    log,
    ...extra,
  }).then((d) => {
    started.push(d);
    return d;
  });
}

let seq = 0;
/** A Slack task, then cancelled: two or three outbox rows (created, maybe queued, cancelled). */
async function slackTask(cancel = true): Promise<string> {
  seq++;
  const made = await submitTask(
    { db: p.platform.db, log, orchestrator: withoutAdmission(p.platform.db), config: p.platform.config },
    {
      userId: 'alice',
      body: { repo: 'acme/outbox', task_description: `outbox ${seq}` },
      channelRef: {
        channel: 'slack',
        team_id: 'T1',
        channel_id: 'C1',
        thread_ts: `1700000000.${String(seq).padStart(6, '0')}`,
        user_id: 'U1',
        delivery_id: `Ev-outbox-${seq}-${Date.now()}`,
      },
    },
  );
  if (cancel) expect((await p.request('DELETE', `/v1/tasks/${made.task.task_id}`)).status).toBe(200);
  return made.task.task_id;
}

async function rows(taskId: string) {
  return (
    await p.platform.db.query<{
      id: number;
      event_seq: number;
      event_type: string;
      status: string | null;
      attempts: number;
      delivered_at: Date | null;
      given_up_at: Date | null;
      last_error: string | null;
    }>(
      'SELECT id, event_seq, event_type, status, attempts, delivered_at, given_up_at, last_error FROM channel_outbox WHERE task_id = $1 ORDER BY id',
      [taskId],
    )
  ).rows;
}

const delivered = (taskId: string) =>
  until(`${taskId} delivered`, async () => {
    const r = await rows(taskId);
    return r.length > 0 && r.every((x) => x.delivered_at) && r;
  });

const noticeTexts = (taskId: string) =>
  chat
    .messages(`slack:${taskId}`)
    .filter((m) => m.marker.startsWith('abca-notice:'))
    .map((m) => m.text);

describe('retry delays', () => {
  it('double from the base after each attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 10, 12, 100].map((n) => retryDelayMs(n, 1000, 300_000))).toEqual([
      1000, 2000, 4000, 8000, 300_000, 300_000, 300_000,
    ]);
  });
});

describe('the outbox dispatcher', () => {
  it('delivers a task’s notices in order, once each, and edits the one status message to the last state', async () => {
    await dispatcher();
    const id = await slackTask();
    const done = await delivered(id);
    expect(done[0]).toMatchObject({ event_type: 'task.created', attempts: 0, last_error: null });
    expect(done.at(-1)).toMatchObject({ event_type: 'task.status_changed', status: 'CANCELLED' });
    // One message per notice, in the outbox's order, and nothing twice.
    expect(noticeTexts(id)).toEqual(
      done.map((r) => (r.status ? `${r.event_type} ${r.status}` : r.event_type)),
    );
    expect(chat.messages(`slack:${id}`).map((m) => m.marker)).toEqual([
      `abca-status:${id}`,
      ...done.map((r) => noticeMarker(id, r.event_seq)),
    ]);
    const status = chat.messages(`slack:${id}`).find((m) => m.marker.startsWith('abca-status:'));
    expect(status?.text).toBe('task.status_changed CANCELLED');
    // Found again by its stored id next time: recorded in channel_messages.
    const stored = await p.platform.db.query('SELECT external_id FROM channel_messages WHERE task_id = $1', [
      id,
    ]);
    expect(stored.rows).toEqual([{ external_id: status?.id }]);
  });

  it('wakes on the notification, not on its poll', async () => {
    // A poll of ten minutes: only LISTEN abca_channel_outbox can bring this delivery in time.
    await dispatcher({ pollMs: 600_000 });
    await new Promise((r) => setTimeout(r, 300)); // the first (empty) pass is done
    const id = await slackTask();
    await delivered(id);
  });

  it('retries with backoff after three failures and then delivers once', async () => {
    const metrics = createMetrics(p.platform.db);
    await dispatcher({ retryBaseMs: 400, metrics });
    chat.failNext(3);
    const since = chat.requests().length;
    const id = await slackTask(false);
    const created = await until('three failed attempts', async () => {
      const r = await rows(id);
      return r[0] && r[0].attempts >= 3 && r[0].delivered_at ? r : undefined;
    });
    expect(created[0]?.attempts).toBe(3);
    const failed = chat
      .requests()
      .slice(since)
      .filter((r) => r.status === 503);
    expect(failed).toHaveLength(3);
    // Backoff: at least 400 ms, then 800 ms between the attempts (a busy machine only adds to it).
    expect((failed[1]?.at ?? 0) - (failed[0]?.at ?? 0)).toBeGreaterThanOrEqual(350);
    expect((failed[2]?.at ?? 0) - (failed[1]?.at ?? 0)).toBeGreaterThanOrEqual(750);
    expect(noticeTexts(id)).toEqual([
      'task.created',
      ...created.slice(1).map((r) => `${r.event_type} ${r.status}`),
    ]);
    const counted = (await metrics.channelNotices.get()).values;
    expect(counted.find((v) => v.labels.outcome === 'retried')?.value).toBeGreaterThanOrEqual(3);
    await p.request('DELETE', `/v1/tasks/${id}`);
    await delivered(id);
    expect(new Set(noticeTexts(id)).size).toBe(noticeTexts(id).length);
  });

  it('gives up on a row after its last attempt, with the error kept and counted', async () => {
    const metrics = createMetrics(p.platform.db);
    await dispatcher({ retryBaseMs: 50, maxAttempts: 3, metrics });
    chat.failNext(1000);
    const id = await slackTask(false);
    const gaveUp = await until('given up', async () => {
      const r = await rows(id);
      return r[0]?.given_up_at ? r : undefined;
    });
    expect(gaveUp[0]).toMatchObject({ attempts: 3, delivered_at: null });
    expect(gaveUp[0]?.last_error).toMatch(/503/);
    const counted = (await metrics.channelNotices.get()).values;
    expect(counted.find((v) => v.labels.outcome === 'given_up')?.value).toBeGreaterThanOrEqual(1);
    chat.failNext(0);
    // Given up stays given up: a later change is delivered without it.
    await p.request('DELETE', `/v1/tasks/${id}`);
    await until('the later notice', async () => (await rows(id)).at(-1)?.delivered_at);
    expect((await rows(id))[0]).toMatchObject({ delivered_at: null });
    expect(noticeTexts(id)).not.toContain('task.created');
  });

  it('never runs two deliveries of one task at once, whatever the number of dispatchers', async () => {
    // Two dispatchers with their own connections (two processes, as far as PostgreSQL knows), and a
    // slow channel, so overlapping deliveries would interleave their requests.
    chat.setDelayMs(40);
    await dispatcher();
    await dispatcher();
    const ids = await Promise.all(Array.from({ length: 6 }, () => slackTask()));
    for (const id of ids) await delivered(id);
    expect(chat.interleaved()).toEqual([]);
    for (const id of ids) {
      const markers = chat.messages(`slack:${id}`).map((m) => m.marker);
      expect(new Set(markers).size).toBe(markers.length);
      // In the outbox's order (admission may record QUEUED around the cancel: the log's order holds).
      const r = await rows(id);
      expect(noticeTexts(id)).toEqual(
        r.map((x) => (x.status ? `${x.event_type} ${x.status}` : x.event_type)),
      );
      expect(noticeTexts(id)).toContain('task.status_changed CANCELLED');
    }
  });

  it('skips a task another process is delivering, without spinning, and delivers it once released', async () => {
    const id = await slackTask();
    // Another process's claim: the same advisory lock, held by a transaction of this test.
    const other = await p.platform.db.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT pg_advisory_xact_lock(hashtext('abca_channel_outbox'), hashtext($1))", [id]);
      // The dispatcher's queries, counted: a full pass of a task it cannot claim must wait for the poll.
      let queries = 0;
      const db = p.platform.db;
      const counting = new Proxy(db, {
        get(target, prop, receiver) {
          if (prop === 'query') {
            return (...args: unknown[]) => {
              queries++;
              return (target.query as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      });
      await dispatcher({ db: counting, pollMs: 200, tasksPerPass: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      expect(chat.messages(`slack:${id}`)).toEqual([]);
      expect((await rows(id)).every((r) => !r.delivered_at && r.attempts === 0)).toBe(true);
      // About five polls of a few queries each; a pass looping on the held task would make thousands.
      expect(queries).toBeLessThan(100);
    } finally {
      await other.query('COMMIT');
      other.release();
    }
    await delivered(id);
    expect(chat.messages(`slack:${id}`).filter((m) => m.marker.startsWith('abca-notice:'))).toHaveLength(
      (await rows(id)).length,
    );
  });

  it('leaves the notices of a channel it has no notifier for', async () => {
    await startOutboxDispatcher({
      db: p.platform.db,
      databaseUrl: p.databaseUrl,
      notifiers: [createFakeChannelNotifier({ channel: 'github', baseUrl: chat.url })],
      log,
    }).then((d) => started.push(d));
    const id = await slackTask();
    await new Promise((r) => setTimeout(r, 500));
    const r = await rows(id);
    expect(r.length).toBeGreaterThan(0);
    expect(r.every((x) => !x.delivered_at && x.attempts === 0)).toBe(true);
    expect(chat.messages(`slack:${id}`)).toEqual([]);
  });
});
