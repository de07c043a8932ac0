import { ulid } from 'ulid';
import type { Queryable } from '../storage/db.ts';

export async function addNudge(
  db: Queryable,
  taskId: string,
  userId: string,
  message: string,
): Promise<string> {
  const id = ulid();
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
