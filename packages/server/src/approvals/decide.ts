import type { Approval } from '@abca/contracts';
import { AppError } from '../ops/errors.ts';
import type { Db } from '../storage/db.ts';
import { getTask } from '../store/task-store.ts';
import { type Decision, decideApproval, expiredApprovals } from './approval-store.ts';

/**
 * A decision from any channel (API, CLI, dashboard, Slack, GitHub): recorded once, with who made it
 * and where (`approval.decided`), then admission is woken so the task's next run starts at its gate.
 * The channel checks who may decide first (the task's owner or an admin; on GitHub a writer).
 */
export async function decide(deps: { db: Db; admit(): Promise<void> }, d: Decision): Promise<Approval> {
  const task = await getTask(deps.db, d.taskId);
  if (!task) throw new AppError('TASK_NOT_FOUND', `Task ${d.taskId} not found.`);
  if (task.status !== 'AWAITING_APPROVAL') {
    throw new AppError(
      'APPROVAL_NOT_PENDING',
      `Task ${d.taskId} is not waiting for an approval (it is ${task.status}).`,
    );
  }
  const approval = await decideApproval(deps.db, d);
  await deps.admit();
  return approval;
}

/**
 * Denies, in the timeout's name, the requests nobody decided in time (run by every process's
 * reconciler; a request decided meanwhile is left as decided). Returns how many it denied.
 */
export async function expireApprovals(db: Db): Promise<number> {
  let expired = 0;
  for (const e of await expiredApprovals(db)) {
    try {
      await decideApproval(db, {
        taskId: e.task_id,
        approvalId: e.approval_id,
        state: 'expired',
        by: 'timeout',
        channel: 'timeout',
        reason: 'Nobody approved or denied the request before its timeout.',
      });
      expired += 1;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }
  return expired;
}
