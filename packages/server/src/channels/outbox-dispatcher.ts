import pg from 'pg';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { createWakeLoop } from '../ops/wake-loop.ts';
import type { ChannelNotice, ChannelNotifier } from '../ports/channel-notifier.ts';
import type { Db } from '../storage/db.ts';
import { getTask } from '../store/task-store.ts';
import { createChannelMessages } from './channel-messages.ts';
import { retryDelayMs } from './outbox-backoff.ts';
import { listenForOutbox } from './outbox-listener.ts';
import {
  claimTask,
  dueTasks,
  markDelivered,
  markFailed,
  msUntilNextDue,
  pendingNotices,
  pruneOutbox,
} from './outbox-store.ts';

export interface OutboxDispatcherOptions {
  db: Db;
  /** For the LISTEN connection and the claim connections (each claim is a connection's transaction). */
  databaseUrl: string;
  /** One notifier per channel (notifiers.ts); a channel without one keeps its rows (logged once). */
  notifiers: readonly ChannelNotifier[];
  log: Logger;
  metrics?: Pick<Metrics, 'channelNotices'>;
  /** Removes secrets from an error message before it is stored or logged. */
  redact?: (text: string) => string;
  /** The safety-net poll when no notification comes (default 5 s). */
  pollMs?: number;
  /** Tasks delivered at once by this process, each on its own connection (default 4). */
  concurrency?: number;
  /** Tasks looked at in one pass (default 50). */
  tasksPerPass?: number;
  /** Attempts before a row is given up (default 12). */
  maxAttempts?: number;
  /** The first retry's delay; it doubles with each attempt up to `retryCapMs` (defaults 1 s, 5 min). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** How often delivered rows and old channel deliveries are pruned, and how old they must be (1 h, 7 days). */
  pruneEveryMs?: number;
  retainMs?: number;
}

export interface OutboxDispatcher {
  /** Looks for due notices now (the LISTEN notifications call it too). */
  wake(): void;
  /** Stops looking; waits up to `timeoutMs` for deliveries under way, then cuts their connections (their rows stay pending). */
  stop(timeoutMs?: number): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * Delivers the outbox (migration 011: rows written by a trigger in the transaction of the change
 * they report) to each task's channel, exactly once as the channel sees it:
 * - per task, a transaction holds `pg_try_advisory_xact_lock` on the task while its notifier runs,
 *   so two processes never deliver one task's notices at once; a crashed process's lock dies with
 *   its connection and another process delivers the rows again (the notifiers are idempotent);
 * - the notifier gets all the task's pending notices, oldest first; on success they are marked
 *   delivered, on failure retried with exponential backoff, and given up after `maxAttempts`;
 * - woken by `LISTEN abca_channel_outbox`, with a slow poll as the safety net; bounded per pass.
 */
export async function startOutboxDispatcher(o: OutboxDispatcherOptions): Promise<OutboxDispatcher> {
  const pollMs = o.pollMs ?? 5000;
  const concurrency = Math.max(1, o.concurrency ?? 4);
  const tasksPerPass = o.tasksPerPass ?? 50;
  const maxAttempts = o.maxAttempts ?? 12;
  const retryBaseMs = o.retryBaseMs ?? 1000;
  const retryCapMs = o.retryCapMs ?? 300_000;
  const pruneEveryMs = o.pruneEveryMs ?? 3_600_000;
  const retainMs = o.retainMs ?? 7 * DAY_MS;
  const redact = o.redact ?? ((t: string) => t);
  const log = o.log.child({ component: 'outbox' });

  const byChannel = new Map<string, ChannelNotifier>();
  for (const n of o.notifiers) byChannel.set(n.channel, n);
  const channels = [...byChannel.keys()];
  // Channels whose waiting rows were not yet reported as having no notifier here.
  const unreported = new Set(['github', 'slack'].filter((c) => !byChannel.has(c)));
  const lanes: (pg.Client | undefined)[] = Array.from({ length: concurrency }, () => undefined);

  let lastPrune = 0;

  const lane = async (i: number): Promise<pg.Client> => {
    const existing = lanes[i];
    if (existing) return existing;
    const c = new pg.Client({ connectionString: o.databaseUrl });
    c.on('error', (err) => {
      log.debug({ err: err.message }, 'outbox connection lost');
      if (lanes[i] === c) lanes[i] = undefined;
    });
    await c.connect();
    lanes[i] = c;
    return c;
  };
  const dropLane = (i: number) => {
    const c = lanes[i];
    lanes[i] = undefined;
    c?.end().catch(() => {});
  };

  /**
   * Delivers one task's pending notices under its claim. True when its rows changed (delivered, or
   * a failed attempt recorded); false when another process holds the task or nothing was due.
   */
  const deliverTask = async (i: number, taskId: string, channel: string): Promise<boolean> => {
    const notifier = byChannel.get(channel);
    if (!notifier) return false;
    const tx = await lane(i);
    await tx.query('BEGIN');
    try {
      if (!(await claimTask(tx, taskId))) {
        await tx.query('ROLLBACK');
        return false;
      }
      const pending = await pendingNotices(tx, taskId);
      const task = await getTask(o.db, taskId);
      // Delivered by another process meanwhile, or the oldest is still waiting out its backoff.
      if (!task || pending.length === 0 || !pending[0]?.due) {
        await tx.query('ROLLBACK');
        return false;
      }
      const notices: ChannelNotice[] = pending.map(({ outboxId, eventType, eventSeq, status }) => ({
        outboxId,
        eventType,
        eventSeq,
        status,
      }));
      const ids = notices.map((n) => n.outboxId);
      try {
        await notifier.deliver(task, notices, createChannelMessages(o.db, channel));
      } catch (err) {
        const attempt = Math.max(...pending.map((p) => p.attempts)) + 1;
        const delayMs = retryDelayMs(attempt, retryBaseMs, retryCapMs);
        const error = redact(err instanceof Error ? err.message : String(err)).slice(0, 500);
        const givenUp = await markFailed(tx, ids, { delayMs, error, maxAttempts });
        await tx.query('COMMIT');
        o.metrics?.channelNotices.inc({ channel, outcome: 'retried' }, ids.length - givenUp.length);
        if (givenUp.length) {
          o.metrics?.channelNotices.inc({ channel, outcome: 'given_up' }, givenUp.length);
          log.warn(
            { taskId, channel, outboxIds: givenUp, attempts: maxAttempts, error },
            'gave up delivering channel notices',
          );
        } else {
          log.info(
            { taskId, channel, attempt, retryInMs: delayMs, error },
            'channel delivery failed; will retry',
          );
        }
        return true;
      }
      await markDelivered(tx, ids);
      await tx.query('COMMIT');
      o.metrics?.channelNotices.inc({ channel, outcome: 'delivered' }, ids.length);
      log.debug({ taskId, channel, notices: ids.length }, 'channel notices delivered');
      return true;
    } catch (err) {
      // The claim connection broke (or the database): the transaction is gone, the rows stay pending.
      await tx.query('ROLLBACK').catch(() => {});
      dropLane(i);
      throw err;
    }
  };

  const reportUnconfigured = async (): Promise<void> => {
    if (unreported.size === 0) return;
    const res = await o.db.query<{ channel: string; n: number }>(
      `SELECT channel, count(*)::int AS n FROM channel_outbox
        WHERE delivered_at IS NULL AND given_up_at IS NULL AND channel = ANY($1) GROUP BY channel`,
      [[...unreported]],
    );
    for (const r of res.rows) {
      unreported.delete(r.channel);
      log.warn(
        { channel: r.channel, waiting: r.n },
        'channel notices are waiting but this process has no notifier for the channel: they stay until one is configured',
      );
    }
  };

  /**
   * One bounded pass; true when it was full and changed something: look again at once (a full pass
   * of tasks other processes hold changes nothing, and waits for the poll).
   */
  const pass = async (): Promise<boolean> => {
    if (channels.length === 0) return false;
    const due = await dueTasks(o.db, channels, tasksPerPass);
    let next = 0;
    let progressed = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, due.length) }, async (_, i) => {
        while (!loop.stopped) {
          const item = due[next++];
          if (!item) return;
          const changed = await deliverTask(i, item.taskId, item.channel).catch((err: unknown) => {
            if (!loop.stopped)
              log.warn({ err: (err as Error).message, taskId: item.taskId }, 'outbox pass failed');
            return false;
          });
          if (changed) progressed++;
        }
      }),
    );
    return due.length === tasksPerPass && progressed > 0;
  };

  const loop = createWakeLoop({
    pass,
    async nextDelayMs() {
      await reportUnconfigured();
      if (Date.now() - lastPrune >= pruneEveryMs) {
        lastPrune = Date.now();
        const pruned = await pruneOutbox(o.db, retainMs);
        if (pruned.notices || pruned.deliveries)
          log.info(pruned, 'pruned old channel notices and deliveries');
      }
      if (channels.length === 0) return pruneEveryMs;
      const next = await msUntilNextDue(o.db, channels);
      return next === undefined ? pollMs : Math.min(pollMs, Math.max(50, next));
    },
    retryMs: pollMs,
    onError: (err) =>
      log.warn({ err: (err as Error).message }, 'outbox dispatcher pass failed; retrying at the next poll'),
  });
  const wake = loop.wake;

  const listener = channels.length ? await listenForOutbox(o.databaseUrl, log, wake) : undefined;
  log.info({ channels }, 'channel outbox dispatcher started');
  wake();

  return {
    wake,
    async stop(timeoutMs = 5000) {
      await loop.stop(timeoutMs);
      await listener?.close();
      for (let i = 0; i < lanes.length; i++) dropLane(i);
    },
  };
}
