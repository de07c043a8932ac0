import type { TaskRow } from '../store/task-row.ts';

export type NotificationKind =
  | 'started'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  /** The task waits at an approval gate (docs/approvals.md): the channel offers approve and deny. */
  | 'awaiting_approval';

/**
 * Tells the channel a task came from how it ended (API: nothing to do; Slack, GitHub: a message).
 * Delivery is at least once; adapters that can, deduplicate by `task_id` + `kind`.
 */
export interface Notifier {
  readonly kind: string;
  notify(task: TaskRow, kind: NotificationKind): Promise<void>;
}
