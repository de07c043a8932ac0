import type { Config } from '../config/config.ts';
import type { TaskRow } from '../store/task-row.ts';
import { queuePosition, recentMeanDurationS } from '../store/task-store.ts';
import type { ApiDeps } from './deps.ts';

/** Whether the task waits for a worker slot (queued, or submitted and not yet admitted). */
export function waitsForSlot(task: Pick<TaskRow, 'status' | 'admitted_at'>): boolean {
  return task.status === 'QUEUED' || (task.status === 'SUBMITTED' && !task.admitted_at);
}

export interface QueueEstimate {
  /** 1-based, FIFO by submission. */
  position: number;
  etaS: number;
}

/**
 * A waiting task's place in line (1-based) and a rough wait: rounds of the slots it can use times
 * the mean duration of recent tasks. Undefined for a task that does not wait.
 */
export async function queueEstimate(
  deps: Pick<ApiDeps, 'db' | 'config'>,
  task: TaskRow,
): Promise<QueueEstimate | undefined> {
  if (!waitsForSlot(task)) return undefined;
  const position = await queuePosition(deps.db, task.task_id);
  if (!position) return undefined;
  return queueEstimateOf(deps.config, { position, meanDurationS: await recentMeanDurationS(deps.db) });
}

/** {@link queueEstimate} from the place in line and the mean duration already read (600 s unknown). */
export function queueEstimateOf(
  config: Pick<Config, 'caps'>,
  waiting: { position: number; meanDurationS: number | undefined },
): QueueEstimate {
  const slots = Math.max(1, Math.min(config.caps.perUser, config.caps.global));
  const mean = waiting.meanDurationS ?? 600;
  return {
    position: waiting.position,
    etaS: Math.ceil(waiting.position / slots) * Math.max(1, Math.round(mean)),
  };
}
