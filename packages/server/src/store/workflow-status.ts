import type { Queryable } from '../storage/db.ts';
import { WORKFLOW_ID_OF_T } from './task-row.ts';

/**
 * Whether the task's durable workflow is still going (queued or running, on any worker). DBOS keeps
 * its workflow table in the platform's database (schema `dbos`); a task that never got a workflow
 * (cancelled while queued) or a database where no worker ever started counts as not running.
 */
export async function workflowRunning(db: Queryable, taskId: string): Promise<boolean> {
  try {
    const res = await db.query<{ status: string }>(
      `SELECT w.status FROM tasks t JOIN dbos.workflow_status w
         ON w.workflow_uuid = ${WORKFLOW_ID_OF_T}
       WHERE t.task_id = $1`,
      [taskId],
    );
    const status = res.rows[0]?.status;
    return status === 'PENDING' || status === 'ENQUEUED';
  } catch {
    return false;
  }
}
