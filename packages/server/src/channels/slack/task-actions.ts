import { isTerminal, TERMINAL_STATUSES } from '@abca/contracts';
import type { Orchestrator } from '../../orchestrator/engine.ts';
import type { Db, Queryable } from '../../storage/db.ts';
import { parseTaskRow, TASK_COLUMNS, type TaskRow } from '../../store/task-row.ts';
import { getTask, transition } from '../../store/task-store.ts';

/** Whether `userId` may act on the task (cancel, nudge): its owner, or an admin. */
export async function mayActOn(db: Queryable, task: TaskRow, userId: string): Promise<boolean> {
  if (task.user_id === userId) return true;
  const res = await db.query<{ role: string }>('SELECT role FROM users WHERE user_id = $1', [userId]);
  return res.rows[0]?.role === 'admin';
}

export type CancelOutcome = { kind: 'cancelled' } | { kind: 'already_ended'; status: string };

/** Cancels a task the way `DELETE /v1/tasks/:id` does: CANCELLED, then the orchestrator stops its run. */
export async function cancelTaskAs(
  deps: { db: Db; orchestrator: Pick<Orchestrator, 'cancel'> },
  task: TaskRow,
  by: string,
): Promise<CancelOutcome> {
  if (isTerminal(task.status)) return { kind: 'already_ended', status: task.status };
  const cancelled = await transition(deps.db, task.task_id, 'CANCELLED', { event: { by } });
  if (!cancelled) {
    const now = await getTask(deps.db, task.task_id);
    return { kind: 'already_ended', status: now?.status ?? 'unknown' };
  }
  await deps.orchestrator.cancel(task.task_id);
  return { kind: 'cancelled' };
}

/** The newest task still running that answers in this Slack thread. */
export async function runningTaskInThread(
  db: Queryable,
  ref: { teamId: string; channelId: string; threadTs: string },
): Promise<TaskRow | undefined> {
  const res = await db.query(
    `SELECT ${TASK_COLUMNS} FROM tasks
      WHERE channel = 'slack' AND channel_ref->>'team_id' = $1 AND channel_ref->>'channel_id' = $2
        AND channel_ref->>'thread_ts' = $3 AND NOT (status = ANY($4))
      ORDER BY created_at DESC LIMIT 1`,
    [ref.teamId, ref.channelId, ref.threadTs, TERMINAL_STATUSES],
  );
  return res.rows[0] ? parseTaskRow(res.rows[0]) : undefined;
}
