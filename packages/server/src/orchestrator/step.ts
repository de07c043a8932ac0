import type { StepName, StepOutcome, TaskError, TaskStatus } from '@abca/contracts';
import { ALL_STEP_NAMES, isTerminal, taskError } from '@abca/contracts';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Logger } from '../ops/logger.ts';
import { appendEvent, type EmitEvent } from '../store/event-store.ts';
import type { TaskRow } from '../store/task-row.ts';
import { getTask, transition } from '../store/task-store.ts';
import { deleteWorkspaceSnapshot } from '../store/workspace-snapshots.ts';
import type { OrchestratorDeps } from './deps.ts';
import { taskContext } from './task-context.ts';
import type { OpenedWorkspace, WorkspaceNeed } from './workspace/task-workspace.ts';

export interface StepContext {
  task: TaskRow;
  /** This workflow run of the task (0 first; each approval decision starts the next: docs/approvals.md). */
  runSeq: number;
  /** Aborted on cancellation or when the step's time is up. */
  signal: AbortSignal;
  /** True once the step's own time limit fired (as opposed to a cancellation). */
  timedOut(): boolean;
  /**
   * The process is stopping: aborted when the drain begins (`signal`) and at its deadline
   * (`deadline`). A step that stops for it returns `interrupted`.
   */
  drain: { signal: AbortSignal; deadline: AbortSignal };
  log: Logger;
  emit: EmitEvent;
  /**
   * The task's workspace as the step declared it needs it ({@link StepDefinition.workspace}), on
   * this machine, with its sandbox: here already, or restored (or re-made) from the checkpoint.
   * `onRecreated` runs once a workspace was made anew, before it counts as present.
   */
  workspace(opts?: { onRecreated?: () => Promise<void> }): Promise<OpenedWorkspace>;
}

/**
 * `continue` to the next step; `stop`: the task is terminal (failed, cancelled) or was already;
 * `skipped`: nothing to do here (an earlier attempt did it), on to the next step;
 * `await`: the task waits at an approval gate (approvals/gate.ts): this run ends, holding nothing,
 * and the decision starts the next run at this step.
 * A step may also return `interrupted`: the process is stopping and the step is not finished; it is
 * not recorded and runs again when the workflow resumes (here after a restart, or on another worker).
 */
export type StepResult = 'continue' | 'stop' | 'skipped' | 'await';
type StepRunResult = StepResult | 'interrupted';

export interface StepDefinition {
  name: StepName;
  /** Time limit of one attempt. */
  timeoutMs(deps: OrchestratorDeps): number;
  /** Attempts in all (1 = no retry); a thrown error is retried with backoff, a returned failure is not. */
  maxAttempts: number;
  /** What a timeout means for the task. */
  onTimeout: { status: 'FAILED' | 'TIMED_OUT'; error: TaskError };
  /** The step turns its own timeout into an outcome (the agent step keeps the work for finalization). */
  handlesTimeout?: boolean;
  /** What the step needs of the task's workspace, when it uses one ({@link StepContext.workspace}). */
  workspace?: WorkspaceNeed;
  run(ctx: StepContext, deps: OrchestratorDeps): Promise<StepRunResult>;
}

/**
 * Runs one blueprint step as a durable DBOS step: recorded once done, re-run after a crash
 * (at-least-once), retried on thrown errors. It keeps the task's `current_step`, emits
 * `step.started` / `step.completed` / `step.failed`, and turns a timeout into a typed failure.
 */
export async function runBlueprintStep(
  deps: OrchestratorDeps,
  def: StepDefinition,
  taskId: string,
  runSeq = 0,
): Promise<'continue' | 'stop' | 'await'> {
  let attempt = 0;
  return DBOS.runStep(
    async () => {
      attempt += 1;
      // The process is stopping: no step begins; the workflow resumes from here later.
      if (deps.drain.signal.aborted) return deps.drain.park(taskId);
      const task = await getTask(deps.db, taskId);
      if (!task || isTerminal(task.status)) return 'stop';
      // A newer run holds the task (this one is old, recovering after a crash): it does nothing.
      if (task.run_seq !== runSeq) return 'stop';
      const log = deps.log.child({ taskId, step: def.name });
      const emit: EmitEvent = async (type, data) => {
        await appendEvent(deps.db, taskId, type, data);
      };
      // The task's current step and the event that says so, in one statement.
      await appendEvent(
        deps.db,
        taskId,
        'step.started',
        { step: def.name, attempt, executor_id: deps.executorId },
        { currentStep: def.name },
      );
      const started = performance.now();
      const watch = deps.cancellations.watch(taskId);
      const timeout = AbortSignal.timeout(def.timeoutMs(deps));
      const signal = AbortSignal.any([watch.signal, timeout]);
      const workspace: StepContext['workspace'] = async (opts = {}) => {
        const ctx = taskContext(task);
        if (!def.workspace || !ctx) throw new Error(`step ${def.name} declared no workspace need`);
        return deps.taskWorkspaces.open(task, ctx, def.workspace, { emit, signal, ...opts });
      };
      try {
        const drain = { signal: deps.drain.signal, deadline: deps.drain.deadline };
        const result = await def.run(
          { task, runSeq, signal, timedOut: () => timeout.aborted, log, emit, workspace, drain },
          deps,
        );
        const durationMs = Math.round(performance.now() - started);
        if (result === 'interrupted' || deps.drain.deadline.aborted) {
          // Not finished, not failed: the step is not recorded and runs again on resume. One cut by
          // the deadline may have seen its commands killed: whatever it returned is not trusted.
          return interruptStep(deps, taskId, def.name, { attempt, duration_ms: durationMs });
        }
        deps.metrics.stepDuration.observe({ step: def.name }, durationMs / 1000);
        if (result === 'continue' && timeout.aborted && !def.handlesTimeout) {
          await endTask(deps, taskId, def.onTimeout.status, def.onTimeout.error);
          await emit('step.failed', {
            step: def.name,
            attempt,
            duration_ms: durationMs,
            error: def.onTimeout.error.code,
          });
          return 'stop';
        }
        const next = result === 'stop' ? 'stop' : result === 'await' ? 'await' : 'continue';
        const ended = await stepOutcome(deps, taskId, result, timeout.aborted);
        await emit('step.completed', {
          step: def.name,
          attempt,
          duration_ms: durationMs,
          result: next,
          ...ended,
        });
        return next;
      } catch (err) {
        const durationMs = Math.round(performance.now() - started);
        // Cut by the stop's deadline (its sandbox or database gone): no failure, it resumes later.
        if (deps.drain.deadline.aborted)
          return interruptStep(deps, taskId, def.name, { attempt, duration_ms: durationMs });
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ err, attempt }, 'step attempt failed');
        // A broken sandbox (the agent killed its init, say) is made anew by the retry.
        await deps.sandboxes.release(taskId).catch(() => {});
        await emit('step.failed', {
          step: def.name,
          attempt,
          duration_ms: durationMs,
          error: message,
          will_retry: attempt < def.maxAttempts,
        });
        throw err;
      } finally {
        watch.release();
      }
    },
    {
      name: def.name,
      retriesAllowed: def.maxAttempts > 1,
      maxAttempts: def.maxAttempts,
      intervalSeconds: 1,
      backoffRate: 2,
    },
  );
}

/** How the step left the task, for its `step.completed` (so a reader never shows a failure as done). */
async function stepOutcome(
  deps: OrchestratorDeps,
  taskId: string,
  result: StepResult,
  timedOut: boolean,
): Promise<{ outcome: StepOutcome; status?: TaskStatus; error?: string }> {
  if (result === 'skipped') return { outcome: 'skipped' };
  if (result === 'await') return { outcome: 'awaiting_approval', status: 'AWAITING_APPROVAL' };
  const task = await getTask(deps.db, taskId);
  const status = task?.status;
  if (status === 'CANCELLED') return { outcome: 'cancelled', status };
  if (status === 'FAILED' || status === 'TIMED_OUT') {
    return { outcome: 'failed', status, ...(task?.error ? { error: task.error.code } : {}) };
  }
  if (result === 'continue') return { outcome: timedOut ? 'timed_out' : 'succeeded' };
  return status === 'COMPLETED' ? { outcome: 'succeeded', status } : { outcome: 'failed' };
}

/**
 * The stop interrupted the task's step (`step`, or the task's current one): says so in the task's
 * log, as far as the database still answers, and parks the workflow (see `drain.ts`).
 */
async function interruptStep(
  deps: OrchestratorDeps,
  taskId: string,
  step?: StepName,
  data: { attempt?: number; duration_ms?: number } = {},
): Promise<never> {
  const current = (await getTask(deps.db, taskId).catch(() => undefined))?.current_step;
  const name = step ?? ALL_STEP_NAMES.find((n) => n === current);
  await appendEvent(deps.db, taskId, 'step.interrupted', { step: name ?? null, ...data }).catch(() => {});
  deps.log.info({ taskId, step: name }, 'step interrupted by the stop; it resumes on the next start');
  return deps.drain.park(taskId);
}

/**
 * Puts a task in a terminal state with its error, tells its channel, and frees its slot. Safe to
 * call again: the conditional transition does nothing when the task is already terminal.
 */
export async function endTask(
  deps: OrchestratorDeps,
  taskId: string,
  status: Extract<TaskStatus, 'COMPLETED' | 'FAILED' | 'TIMED_OUT'>,
  error: TaskError | null,
  patch: { pr_url?: string | null; outcome?: Record<string, unknown> } = {},
): Promise<void> {
  // A failure seen after the stop's deadline may be the stop's doing (a killed command): the task
  // is not ended, its step resumes later.
  if (status !== 'COMPLETED' && deps.drain.deadline.aborted) await interruptStep(deps, taskId);
  const ended = await transition(deps.db, taskId, status, { patch: { error, ...patch } });
  const task = ended ?? (await getTask(deps.db, taskId));
  if (task && isTerminal(task.status)) await deleteWorkspaceSnapshot(deps.db, taskId);
  if (task && isTerminal(task.status) && task.status !== 'CANCELLED') {
    deps.metrics.tasksFinished.inc({ status: task.status });
    await deps.notifier.notify(
      task,
      task.status === 'COMPLETED' ? 'completed' : task.status === 'TIMED_OUT' ? 'timed_out' : 'failed',
    );
  }
  deps.wake();
}

export { taskError };
