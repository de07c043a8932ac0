import {
  type Approval,
  type ApprovalPolicy,
  type ApprovalRequestData,
  DEFAULT_APPROVAL_TIMEOUT_S,
  type StepName,
  type TaskStatus,
} from '@abca/contracts';
import type { Notifier } from '../ports/notifier.ts';
import { type Db, withTx } from '../storage/db.ts';
import { appendEvent } from '../store/event-store.ts';
import type { TaskRow } from '../store/task-row.ts';
import { getTask, transition } from '../store/task-store.ts';
import { ensureApproval } from './approval-store.ts';

export interface GateDeps {
  db: Db;
  notifier: Notifier;
  /** Frees the task's sandbox while it waits (it holds no sandbox CPU). */
  sandboxes: { release(taskId: string): Promise<void> };
  /** Wakes admission: the slot the task held is free. */
  wake(): void;
}

/**
 * What a gate says to the step that asked:
 * - `approved` (a plan may come back edited), `denied` or `expired` (the timeout's denial): the
 *   decision, read by a run that holds the task (it moved out of AWAITING_APPROVAL at its start);
 * - `wait`: the task now waits in AWAITING_APPROVAL (or already did): the step returns `await`, the
 *   run ends, and the decision starts the next run at this step (docs/approvals.md);
 * - `stop`: the task ended meanwhile (cancelled): the step returns `stop`.
 */
export type GateAnswer =
  | { kind: 'approved' | 'denied' | 'expired'; approval: Approval }
  | { kind: 'wait'; approval: Approval }
  | { kind: 'stop' };

/** The statuses a task may wait from: the agent's (RUNNING) and finalization's (FINALIZING). */
const GATED_FROM: TaskStatus[] = ['HYDRATING', 'RUNNING', 'FINALIZING'];

/**
 * Asks for a decision on the request `key` of the task (`plan:1`, `push`, `tool:<call id>`), or reads
 * the one made. The first time, the request is stored, the task moves to AWAITING_APPROVAL with its
 * slot given back (`admitted_at` cleared) and `resume_step` set, its sandbox is released and its
 * channel told; the answer is `wait`. A request decided while the task still waits (this run is
 * an old one, re-running its step after a crash) is also `wait`: the decision's own run takes it.
 */
export async function gate(
  deps: GateDeps,
  input: {
    task: Pick<TaskRow, 'task_id'>;
    step: StepName;
    key: string;
    request: ApprovalRequestData;
    policy: ApprovalPolicy;
  },
): Promise<GateAnswer> {
  const { approval, created } = await ensureApproval(deps.db, {
    taskId: input.task.task_id,
    key: input.key,
    request: input.request,
    timeoutS: input.policy.timeout_s ?? DEFAULT_APPROVAL_TIMEOUT_S,
  });
  const task = await getTask(deps.db, input.task.task_id);
  if (!task || task.status === 'CANCELLED' || approval.state === 'cancelled') return { kind: 'stop' };
  if (approval.state !== 'pending') {
    if (task.status === 'AWAITING_APPROVAL') return { kind: 'wait', approval };
    return { kind: approval.state, approval };
  }
  if (created) {
    await appendEvent(deps.db, task.task_id, 'approval.requested', {
      approval_id: approval.approval_id,
      gate: approval.gate,
      request: approval.request,
      expires_at: approval.expires_at,
    });
  }
  if (task.status !== 'AWAITING_APPROVAL') {
    const waiting = await transition(deps.db, task.task_id, 'AWAITING_APPROVAL', {
      from: GATED_FROM,
      patch: { admitted_at: null, resume_step: input.step },
      event: { reason: `approval_${approval.gate}` },
    });
    if (!waiting) return { kind: 'stop' };
    await deps.sandboxes.release(task.task_id).catch(() => {});
    await deps.notifier.notify(waiting, 'awaiting_approval');
    deps.wake();
  }
  return { kind: 'wait', approval };
}

/** The status a run resumed at `step` takes the task to. */
export function resumeStatus(step: string): Extract<TaskStatus, 'RUNNING' | 'FINALIZING'> {
  return step === 'finalization' || step === 'review' ? 'FINALIZING' : 'RUNNING';
}

/**
 * The start of a run after a decision: takes the task out of AWAITING_APPROVAL, if this run is its
 * newest (`run_seq`); false when another run holds it or the task ended. The conditional update is
 * the fence: an older run still finishing (or recovering) can never move the task as well.
 */
export async function claimResume(db: Db, taskId: string, runSeq: number, step: string): Promise<boolean> {
  const task = await getTask(db, taskId);
  if (!task || task.run_seq !== runSeq) return false;
  if (task.status !== 'AWAITING_APPROVAL') return task.status === resumeStatus(step);
  return withTx(db, async (tx) => {
    const res = await tx.query(
      `UPDATE tasks SET status = $3, updated_at = clock_timestamp()
       WHERE task_id = $1 AND run_seq = $2 AND status = 'AWAITING_APPROVAL'`,
      [taskId, runSeq, resumeStatus(step)],
    );
    if (res.rowCount !== 1) return false;
    await appendEvent(tx, taskId, 'task.status_changed', {
      from: 'AWAITING_APPROVAL',
      to: resumeStatus(step),
      reason: 'approval_decided',
    });
    return true;
  });
}
