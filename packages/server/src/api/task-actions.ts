import { isTerminal } from '@abca/contracts';
import { AppError } from '../ops/errors.ts';
import { NUDGES_PER_MINUTE, queueNudge } from '../store/nudge-store.ts';
import type { TaskRow } from '../store/task-row.ts';
import { getTask, transition } from '../store/task-store.ts';
import type { ApiDeps } from './deps.ts';

/**
 * What a person may do to a task they can see, whichever door they use (the API's routes, the
 * dashboard's forms): the caller loaded the task with its ownership check. Expected refusals are
 * {@link AppError}s (TASK_ALREADY_TERMINAL, RATE_LIMITED) for each door to show its own way.
 */

/** Cancels a task that has not ended; returns when it was cancelled. */
export async function cancelTask(
  deps: Pick<ApiDeps, 'db' | 'orchestrator' | 'log'>,
  task: TaskRow,
  by: string,
): Promise<{ cancelledAt: Date }> {
  if (isTerminal(task.status)) {
    throw new AppError(
      'TASK_ALREADY_TERMINAL',
      `Task ${task.task_id} already ended (${task.status}); nothing to cancel.`,
    );
  }
  const cancelled = await transition(deps.db, task.task_id, 'CANCELLED', { event: { by } });
  if (!cancelled) {
    const now = await getTask(deps.db, task.task_id);
    throw new AppError(
      'TASK_ALREADY_TERMINAL',
      `Task ${task.task_id} already ended (${now?.status ?? 'unknown'}); nothing to cancel.`,
    );
  }
  await deps.orchestrator.cancel(task.task_id);
  deps.log.info({ taskId: task.task_id, by }, 'task cancelled');
  return { cancelledAt: cancelled.completed_at ?? new Date() };
}

/** Queues a nudge (a message the agent reads at its next turn) for a task that has not ended. */
export async function nudgeTask(
  deps: Pick<ApiDeps, 'db'>,
  task: TaskRow,
  userId: string,
  message: string,
): Promise<{ nudgeId: string }> {
  if (isTerminal(task.status)) {
    throw new AppError(
      'TASK_ALREADY_TERMINAL',
      `Task ${task.task_id} already ended (${task.status}); a nudge would not be read.`,
    );
  }
  const queued = await queueNudge(deps.db, task.task_id, userId, message);
  if (queued.kind === 'rate_limited') {
    throw new AppError(
      'RATE_LIMITED',
      `At most ${NUDGES_PER_MINUTE} nudges a minute per task; wait a little.`,
      {
        headers: { 'Retry-After': '60' },
      },
    );
  }
  return { nudgeId: queued.nudgeId };
}
