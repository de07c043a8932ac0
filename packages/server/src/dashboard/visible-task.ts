import { TaskId } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';
import type { Principal } from '../store/api-key-store.ts';
import type { TaskRow } from '../store/task-row.ts';
import { getTask } from '../store/task-store.ts';

/**
 * The task a person may see on the dashboard: their own, or any for an admin. Undefined for a bad
 * id, a missing task, and another member's task alike: a page does not tell which (a 404).
 */
export async function visibleTask(
  db: Queryable,
  principal: Pick<Principal, 'userId' | 'role'>,
  rawId: string | undefined,
): Promise<TaskRow | undefined> {
  const id = TaskId.safeParse(rawId);
  if (!id.success) return undefined;
  const task = await getTask(db, id.data);
  if (!task) return undefined;
  return principal.role === 'admin' || task.user_id === principal.userId ? task : undefined;
}
