import { isTerminal, taskError } from '@abca/contracts';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { expireApprovals } from '../approvals/decide.ts';
import { WORKFLOW_ID_OF_T } from '../store/task-row.ts';
import { ACTIVE_STATUSES, getTask } from '../store/task-store.ts';
import type { OrchestratorDeps } from './deps.ts';
import type { Admitted } from './dispatcher.ts';
import { claimDeadExecutors } from './executors.ts';
import { claimAndStart } from './start-claim.ts';
import { endTask } from './step.ts';
import { TASK_QUEUE } from './workflow.ts';

/** How long an admitted task is left to the process that admitted it before any reconciler starts it. */
const ORPHAN_GRACE_MS = 2000;

/**
 * Backstops that make "no task is ever lost" hold whatever crashed where, run by every process:
 * - resume the workflows of executors whose heartbeat stopped (DBOS only recovers its own at launch);
 * - start a workflow for an admitted task that has none (a crash between admission and start);
 * - fail a task whose workflow ended without a terminal state, or waited in the queue too long.
 */
export async function reconcile(
  deps: OrchestratorDeps,
  opts: { startWorkflow(run: Admitted): Promise<void>; staleMs: number; recoverWorkflows: boolean },
): Promise<void> {
  const { db, log } = deps;
  if (opts.recoverWorkflows) {
    for (const dead of await claimDeadExecutors(db, deps.executorId, opts.staleMs)) {
      const pending = await DBOS.listWorkflows({ status: 'PENDING', executorId: dead });
      if (pending.length > 0) {
        log.warn(
          { deadExecutor: dead, workflows: pending.length },
          'resuming the workflows of a dead worker',
        );
        await DBOS.resumeWorkflows(
          pending.map((w) => w.workflowID),
          { queueName: TASK_QUEUE },
        );
      }
    }
  }
  // An admitted task without a workflow (a crash between admission and start, a hand-over no worker
  // heard): started here, through the same claim as every start, so it starts once. The grace
  // leaves a fresh admission to the process that made it and to the workers it told.
  const started = await claimAndStart(db, { minAgeMs: ORPHAN_GRACE_MS, limit: 100 }, opts.startWorkflow);
  for (const run of started) log.warn({ taskId: run.taskId }, 'admitted task had no workflow; started it');
  // A task's current run is its workflow `workflowIdOf(task_id, run_seq)` (task-row.ts).
  const ended = await db.query<{ task_id: string; wf_status: string }>(
    `SELECT t.task_id, w.status AS wf_status FROM tasks t
     JOIN dbos.workflow_status w
       ON w.workflow_uuid = ${WORKFLOW_ID_OF_T}
     WHERE t.admitted_at IS NOT NULL AND t.admitted_at < now() - interval '2 seconds' AND t.status = ANY($1)
       AND w.status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')`,
    [ACTIVE_STATUSES],
  );
  for (const o of ended.rows) {
    const task = await getTask(db, o.task_id);
    if (task && !isTerminal(task.status)) {
      log.error({ taskId: o.task_id, workflow: o.wf_status }, 'workflow ended without finishing its task');
      await endTask(
        deps,
        o.task_id,
        'FAILED',
        taskError('INTERNAL_ERROR', `The task's workflow ended (${o.wf_status}) before the task did.`),
      );
    }
  }
  const expired = await db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks WHERE status = 'QUEUED' AND created_at < now() - make_interval(secs => $1)`,
    [deps.config.queueMaxAgeS],
  );
  for (const e of expired.rows) await endTask(deps, e.task_id, 'FAILED', taskError('QUEUE_TIMEOUT'));
  // Approval requests nobody decided in time are denied by the timeout; the task's next run ends it.
  if ((await expireApprovals(db)) > 0) deps.wake();
}
