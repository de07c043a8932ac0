import type { Queryable } from '../storage/db.ts';

/**
 * Whether the task's durable workflow is still going (queued or running, on any worker). DBOS keeps
 * its workflow table in the platform's database (schema `dbos`); a task that never got a workflow
 * (cancelled while queued) or a database where no worker ever started counts as not running.
 */
export async function workflowRunning(db: Queryable, taskId: string): Promise<boolean> {
  try {
    const res = await db.query<{ status: string }>(
      'SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1',
      [taskId],
    );
    const status = res.rows[0]?.status;
    return status === 'PENDING' || status === 'ENQUEUED';
  } catch {
    return false;
  }
}
