import { TaskStatus } from '@abca/contracts';
import type pg from 'pg';
import type { ChannelNotice } from '../ports/channel-notifier.ts';
import type { Queryable } from '../storage/db.ts';

/**
 * The outbox's SQL (migrations 011 and 012): which tasks have notices due, the per-task claim, and
 * what a delivery's outcome writes. A row is pending while neither delivered nor given up.
 */

/** Tasks whose oldest pending notice is due, oldest first, on the given channels. */
export async function dueTasks(
  db: Queryable,
  channels: readonly string[],
  limit: number,
): Promise<{ taskId: string; channel: string }[]> {
  const res = await db.query<{ task_id: string; channel: string }>(
    `SELECT task_id, channel FROM (
       SELECT DISTINCT ON (task_id) task_id, channel, id, next_attempt_at
         FROM channel_outbox
        WHERE delivered_at IS NULL AND given_up_at IS NULL AND channel = ANY($1)
        ORDER BY task_id, id
     ) oldest
     WHERE next_attempt_at <= clock_timestamp()
     ORDER BY id
     LIMIT $2`,
    [channels, limit],
  );
  return res.rows.map((r) => ({ taskId: r.task_id, channel: r.channel }));
}

/** Milliseconds until the next pending notice on these channels falls due (undefined: none waits). */
export async function msUntilNextDue(
  db: Queryable,
  channels: readonly string[],
): Promise<number | undefined> {
  const res = await db.query<{ ms: number | null }>(
    `SELECT ceil(extract(epoch FROM min(next_attempt_at) - clock_timestamp()) * 1000)::float8 AS ms
       FROM channel_outbox
      WHERE delivered_at IS NULL AND given_up_at IS NULL AND channel = ANY($1)
        AND next_attempt_at > clock_timestamp()`,
    [channels],
  );
  const ms = res.rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, ms);
}

/**
 * Claims a task's notices for this transaction: a transaction-scoped advisory lock on the task, so
 * two processes never deliver one task's notices at once; it is released by COMMIT or ROLLBACK, and
 * dies with a crashed process's connection. False when another process holds it.
 */
export async function claimTask(tx: pg.ClientBase, taskId: string): Promise<boolean> {
  const res = await tx.query<{ ok: boolean }>(
    "SELECT pg_try_advisory_xact_lock(hashtext('abca_channel_outbox'), hashtext($1)) AS ok",
    [taskId],
  );
  return res.rows[0]?.ok === true;
}

export interface PendingNotice extends ChannelNotice {
  attempts: number;
  due: boolean;
}

/** The task's pending notices, oldest first (read under the claim). */
export async function pendingNotices(tx: Queryable, taskId: string): Promise<PendingNotice[]> {
  const res = await tx.query<{
    id: number;
    event_type: string;
    event_seq: number;
    status: string | null;
    attempts: number;
    due: boolean;
  }>(
    `SELECT id, event_type, event_seq, status, attempts, next_attempt_at <= clock_timestamp() AS due
       FROM channel_outbox
      WHERE task_id = $1 AND delivered_at IS NULL AND given_up_at IS NULL
      ORDER BY id`,
    [taskId],
  );
  return res.rows.map((r) => ({
    outboxId: Number(r.id),
    eventType: r.event_type,
    eventSeq: r.event_seq,
    // Written by the trigger from the event's `to`: checked like any row read back.
    status: TaskStatus.nullable().parse(r.status),
    attempts: r.attempts,
    due: r.due,
  }));
}

export async function markDelivered(tx: Queryable, ids: readonly number[]): Promise<void> {
  await tx.query(
    'UPDATE channel_outbox SET delivered_at = clock_timestamp(), last_error = NULL WHERE id = ANY($1)',
    [ids],
  );
}

/**
 * Records a failed attempt on each row: `attempts + 1`, the next attempt after `delayMs`, the error
 * (a message, never a secret); rows whose attempts reach `maxAttempts` are given up. Returns the ids
 * given up.
 */
export async function markFailed(
  tx: Queryable,
  ids: readonly number[],
  o: { delayMs: number; error: string; maxAttempts: number },
): Promise<number[]> {
  const res = await tx.query<{ id: number; given_up: boolean }>(
    `UPDATE channel_outbox
        SET attempts = attempts + 1,
            next_attempt_at = clock_timestamp() + make_interval(secs => $2::float8 / 1000),
            last_error = $3,
            given_up_at = CASE WHEN attempts + 1 >= $4 THEN clock_timestamp() END
      WHERE id = ANY($1)
      RETURNING id, given_up_at IS NOT NULL AS given_up`,
    [ids, o.delayMs, o.error, o.maxAttempts],
  );
  return res.rows.filter((r) => r.given_up).map((r) => Number(r.id));
}

/**
 * Removes what is no longer needed: delivered or given-up notices and remembered channel deliveries
 * older than `olderThanMs`. A delivery's id must be remembered at least as long as its sender
 * retries (GitHub: days), so the window is long. Returns the rows removed.
 */
export async function pruneOutbox(
  db: Queryable,
  olderThanMs: number,
): Promise<{ notices: number; deliveries: number }> {
  const secs = olderThanMs / 1000;
  const notices = await db.query(
    `DELETE FROM channel_outbox
      WHERE (delivered_at IS NOT NULL OR given_up_at IS NOT NULL)
        AND created_at < clock_timestamp() - make_interval(secs => $1::float8)`,
    [secs],
  );
  const deliveries = await db.query(
    'DELETE FROM channel_deliveries WHERE received_at < clock_timestamp() - make_interval(secs => $1::float8)',
    [secs],
  );
  return { notices: notices.rowCount ?? 0, deliveries: deliveries.rowCount ?? 0 };
}
