import { newUlid } from '../ops/ids.ts';
import type { Queryable } from '../storage/db.ts';
import { appendEvent } from './event-store.ts';

/** Nudges a task may get a minute, whichever channel they come from (API, Slack thread replies). */
export const NUDGES_PER_MINUTE = 10;

export async function addNudge(
  db: Queryable,
  taskId: string,
  userId: string,
  message: string,
): Promise<string> {
  const id = newUlid();
  await db.query('INSERT INTO nudges (nudge_id, task_id, user_id, message) VALUES ($1, $2, $3, $4)', [
    id,
    taskId,
    userId,
    message,
  ]);
  return id;
}

/** Takes the task's unread nudges, oldest first, marking them read in the same statement. */
export async function takeNudges(
  db: Queryable,
  taskId: string,
): Promise<{ nudge_id: string; message: string }[]> {
  const res = await db.query<{ nudge_id: string; message: string; created_at: Date }>(
    `UPDATE nudges SET consumed_at = clock_timestamp() WHERE task_id = $1 AND consumed_at IS NULL
     RETURNING nudge_id, message, created_at`,
    [taskId],
  );
  return res.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

/**
 * Queues a nudge for a running task and records `task.nudge_queued`, unless the task already had
 * {@link NUDGES_PER_MINUTE} in the last minute. The caller checked who may nudge and that the task runs.
 */
export async function queueNudge(
  db: Queryable,
  taskId: string,
  userId: string,
  message: string,
): Promise<{ kind: 'queued'; nudgeId: string } | { kind: 'rate_limited' }> {
  const recent = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM nudges WHERE task_id = $1 AND created_at > now() - interval '1 minute'",
    [taskId],
  );
  if ((recent.rows[0]?.n ?? 0) >= NUDGES_PER_MINUTE) return { kind: 'rate_limited' };
  const nudgeId = await addNudge(db, taskId, userId, message);
  await appendEvent(db, taskId, 'task.nudge_queued', { nudge_id: nudgeId, chars: message.length });
  return { kind: 'queued', nudgeId };
}
