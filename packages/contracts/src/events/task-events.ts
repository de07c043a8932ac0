import { z } from 'zod';
import { TaskError } from '../error-codes.ts';
import { TaskStatus } from '../task-status.ts';
import { StepName } from './step-name.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** The task's own life: submitted, admitted, moved between states, nudged. */
export const TASK_EVENT_DATA = {
  'task.created': z.object({ status: TaskStatus, repo: z.string(), user_id: z.string() }),
  'task.admitted': z.object({}),
  'task.status_changed': z.object({
    from: TaskStatus,
    to: TaskStatus,
    /** Why (`slot_available`, `global_cap`, `user_cap`, `repo_cap`, `long_queue`, ...). */
    reason: z.string().optional(),
    /** 1-based, when the task went to QUEUED. */
    queue_position: count.optional(),
    /** The error a terminal failure carries. */
    error: TaskError.optional(),
    /** Who cancelled. */
    by: z.string().optional(),
  }),
  'task.nudge_queued': z.object({ nudge_id: z.string(), chars: count }),
} as const;

/**
 * How a step that ran to its end left the task: `succeeded` (on to the next step, or the task
 * completed), `failed` (the step ended the task FAILED or TIMED_OUT; `error` is the code),
 * `cancelled` (the task was cancelled while it ran), `timed_out` (its time ran out and the work
 * goes on, as the agent step does), `skipped` (nothing to do: done by an earlier attempt),
 * `awaiting_approval` (the task waits at an approval gate; the step runs again after the decision).
 */
export const StepOutcome = z.enum([
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'skipped',
  'awaiting_approval',
]);
export type StepOutcome = z.infer<typeof StepOutcome>;

/** The blueprint's steps: each attempt starts, then completes (with its outcome) or fails (threw). */
export const STEP_EVENT_DATA = {
  'step.started': z.object({ step: StepName, attempt: count, executor_id: z.string() }),
  'step.completed': z.object({
    step: StepName,
    attempt: count,
    duration_ms: ms,
    /** `continue` to the next step; `stop`: the task ended; `await`: it waits at an approval gate. */
    result: z.enum(['continue', 'stop', 'await']),
    outcome: StepOutcome,
    /** The task's status after the step, when it ended it. */
    status: TaskStatus.optional(),
    /** The task's error code, when the step failed it. */
    error: z.string().optional(),
  }),
  /** The process stopped while the step ran: not finished, not failed; it runs again on resume. */
  'step.interrupted': z.object({
    /** Null when the stop came before the step was known. */
    step: StepName.nullable(),
    attempt: count.optional(),
    duration_ms: ms.optional(),
  }),
  'step.failed': z.object({
    step: StepName,
    attempt: count,
    duration_ms: ms,
    /** A timeout's task error code, or the message of what the attempt threw. */
    error: z.string(),
    /** Another attempt follows. */
    will_retry: z.boolean().optional(),
  }),
} as const;
