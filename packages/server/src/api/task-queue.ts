import type { TaskRow } from '../store/task-row.ts';
import { queuePosition, recentMeanDurationS } from '../store/task-store.ts';
import type { ApiDeps } from './deps.ts';

/** Whether the task waits for a worker slot (queued, or submitted and not yet admitted). */
export function waitsForSlot(task: Pick<TaskRow, 'status' | 'admitted_at'>): boolean {
  return task.status === 'QUEUED' || (task.status === 'SUBMITTED' && !task.admitted_at);
}

/**
 * A waiting task's place in line (1-based) and a rough wait: rounds of the slots it can use times
 * the mean duration of recent tasks. Undefined for a task that does not wait.
 */
export async function queueEstimate(
  deps: Pick<ApiDeps, 'db' | 'config'>,
  task: TaskRow,
): Promise<{ position: number; etaS: number } | undefined> {
  if (!waitsForSlot(task)) return undefined;
  const position = await queuePosition(deps.db, task.task_id);
  if (!position) return undefined;
  const mean = await recentMeanDurationS(deps.db);
  const slots = Math.max(1, Math.min(deps.config.caps.perUser, deps.config.caps.global));
  return { position, etaS: Math.ceil(position / slots) * Math.max(1, Math.round(mean)) };
}
