import type { TaskStatus } from '@abca/contracts';
import type { TaskRow } from '../store/task-row.ts';

/** One row of the outbox (migration 011): a change a channel must be told about. */
export interface ChannelNotice {
  outboxId: number;
  /** The event that made the row: `task.created`, `task.status_changed`, `step.started`, `finalization.pr_opened`. */
  eventType: string;
  eventSeq: number;
  /** For `task.status_changed`: the new status. */
  status: TaskStatus | null;
}

/**
 * The messages ABCA posted for a task, by purpose (`status`: the one message it edits in place):
 * recorded right after posting, read before posting, so a message is never posted twice. A crash
 * between posting and recording is covered by the channel itself: it finds its own message again
 * (a marker in the comment, the message's metadata) before it posts.
 */
export interface ChannelMessages {
  get(taskId: string, purpose: string): Promise<string | undefined>;
  save(taskId: string, purpose: string, externalId: string): Promise<void>;
}

/**
 * Tells a task's channel (GitHub, Slack) what changed: one status message edited in place, the
 * reactions for started / done / failed, the PR link. The outbox dispatcher calls it with the
 * task's undelivered notices, oldest first, and retries with backoff when it throws; so it must be
 * idempotent: called again with the same notices after a crash, the channel shows the same thing
 * (one status message, one reaction per state).
 */
export interface ChannelNotifier {
  readonly channel: 'github' | 'slack';
  deliver(task: TaskRow, notices: ChannelNotice[], messages: ChannelMessages): Promise<void>;
}
