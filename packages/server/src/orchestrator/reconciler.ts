import { isTerminal, taskError } from '@abca/contracts';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { PAST_TIMEOUT } from '../approvals/approval-store.ts';
import { expireApprovals } from '../approvals/decide.ts';
import type { Db } from '../storage/db.ts';
import { WORKFLOW_ID_OF_T } from '../store/task-row.ts';
import { ACTIVE_STATUSES, getTask } from '../store/task-store.ts';
import type { OrchestratorDeps } from './deps.ts';
import type { Admitted } from './dispatcher.ts';
import { claimDeadExecutors, unrecoveredDead } from './executors.ts';
import { claimAndStart, withoutWorkflow } from './start-claim.ts';
import { endTask } from './step.ts';
import { TASK_QUEUE } from './workflow.ts';

/** How long an admitted task is left to the process that admitted it before any reconciler starts it. */
const ORPHAN_GRACE_MS = 2000;

/** Active tasks (`t`) whose current workflow (`w`) ended; `active` is the active statuses' parameter. */
const endedWorkflows = (active: string) =>
  `tasks t JOIN dbos.workflow_status w ON w.workflow_uuid = ${WORKFLOW_ID_OF_T}
   WHERE t.admitted_at IS NOT NULL AND t.admitted_at < now() - interval '2 seconds' AND t.status = ANY(${active})
     AND w.status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')`;

/** Tasks queued longer than `maxAgeS` (a parameter) seconds. */
const queuedPast = (maxAgeS: string) =>
  `tasks WHERE status = 'QUEUED' AND created_at < now() - make_interval(secs => ${maxAgeS})`;

/** Which of the reconciler's backstops have anything to do now ({@link probeReconcile}). */
export interface ReconcileDue {
  /** Tasks wait for admission (new, queued, or decided while awaiting approval). */
  waiting: boolean;
  /** Another executor stopped or its heartbeat is stale, and nobody recovered it yet. */
  deadExecutors: boolean;
  /** An admitted task past the grace has no workflow. */
  orphans: boolean;
  /** A task is still active while its current workflow has ended. */
  ended: boolean;
  /** A task has waited in the queue longer than `ABCA_QUEUE_MAX_AGE_S`. */
  expiredQueued: boolean;
  /** An approval request is past its timeout. */
  expiredApprovals: boolean;
}

/**
 * One statement that tells which backstops have work, so an idle tick costs one round trip instead
 * of one per backstop (and the transactions and advisory lock of admission). Each test is the
 * predicate of its backstop's own statement, or wider, so nothing the backstop would find is missed.
 */
export async function probeReconcile(
  db: Db,
  opts: { executorId: string; staleMs: number; recoverWorkflows: boolean; queueMaxAgeS: number },
): Promise<ReconcileDue> {
  // Named as the fields of {@link ReconcileDue}: the row is the answer.
  // An unnamed statement, as all of the platform's: a named (prepared) one breaks behind a pooler in
  // transaction mode (docs/benchmarks.md, "prepared statements").
  const res = await db.query<ReconcileDue>({
    text: `SELECT
      EXISTS (SELECT 1 FROM tasks t WHERE t.admitted_at IS NULL
        AND t.status IN ('SUBMITTED', 'QUEUED', 'AWAITING_APPROVAL')) AS "waiting",
      ($2::boolean AND EXISTS (SELECT 1 FROM executors WHERE ${unrecoveredDead('$1', '$3')})) AS "deadExecutors",
      EXISTS (SELECT 1 FROM tasks t WHERE ${withoutWorkflow('$4', '$5')}) AS "orphans",
      EXISTS (SELECT 1 FROM ${endedWorkflows('$4')}) AS "ended",
      EXISTS (SELECT 1 FROM ${queuedPast('$6')}) AS "expiredQueued",
      EXISTS (SELECT 1 FROM approvals WHERE ${PAST_TIMEOUT}) AS "expiredApprovals"`,
    values: [
      opts.executorId,
      opts.recoverWorkflows,
      opts.staleMs,
      ACTIVE_STATUSES,
      ORPHAN_GRACE_MS / 1000,
      opts.queueMaxAgeS,
    ],
  });
  // A statement answers one row; without it every backstop runs, as before the probe.
  return res.rows[0] ?? ALL_DUE;
}

/** Every backstop due. */
const ALL_DUE: ReconcileDue = {
  waiting: true,
  deadExecutors: true,
  orphans: true,
  ended: true,
  expiredQueued: true,
  expiredApprovals: true,
};

/**
 * Backstops that make "no task is ever lost" hold whatever crashed where, run by every process:
 * - resume the workflows of executors whose heartbeat stopped (DBOS only recovers its own at launch);
 * - start a workflow for an admitted task that has none (a crash between admission and start);
 * - fail a task whose workflow ended without a terminal state, or waited in the queue too long.
 * Only the backstops `due` names run ({@link probeReconcile}).
 */
export async function reconcile(
  deps: OrchestratorDeps,
  opts: {
    startWorkflow(run: Admitted): Promise<void>;
    staleMs: number;
    recoverWorkflows: boolean;
    due: ReconcileDue;
  },
): Promise<void> {
  const { db, log } = deps;
  const { due } = opts;
  if (opts.recoverWorkflows && due.deadExecutors) {
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
  if (due.orphans) {
    const started = await claimAndStart(db, { minAgeMs: ORPHAN_GRACE_MS, limit: 100 }, opts.startWorkflow);
    for (const run of started) log.warn({ taskId: run.taskId }, 'admitted task had no workflow; started it');
  }
  if (due.ended) await failEndedWorkflows(deps);
  if (due.expiredQueued) {
    const expired = await db.query<{ task_id: string }>(`SELECT task_id FROM ${queuedPast('$1')}`, [
      deps.config.queueMaxAgeS,
    ]);
    for (const e of expired.rows) await endTask(deps, e.task_id, 'FAILED', taskError('QUEUE_TIMEOUT'));
  }
  // Approval requests nobody decided in time are denied by the timeout; the task's next run ends it.
  if (due.expiredApprovals && (await expireApprovals(db)) > 0) deps.wake();
}

/** Fails the active tasks whose current workflow ended without ending them. */
async function failEndedWorkflows(deps: OrchestratorDeps): Promise<void> {
  const { db, log } = deps;
  // A task's current run is its workflow `workflowIdOf(task_id, run_seq)` (task-row.ts).
  const ended = await db.query<{ task_id: string; wf_status: string }>(
    `SELECT t.task_id, w.status AS wf_status FROM ${endedWorkflows('$1')}`,
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
}
