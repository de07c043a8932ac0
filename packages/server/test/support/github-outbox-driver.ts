import { existsSync } from 'node:fs';
import { createChannelMessages } from '../../src/channels/channel-messages.ts';
import type { ChannelNotice, ChannelNotifier } from '../../src/ports/channel-notifier.ts';
import type { Queryable } from '../../src/storage/db.ts';
import { getTask } from '../../src/store/task-store.ts';

/**
 * Whether this build has the outbox dispatcher (channels/outbox-dispatcher.ts), which delivers
 * `channel_outbox` rows to the channels' notifiers inside the platform.
 */
export const HAS_OUTBOX_DISPATCHER = existsSync(
  new URL('../../src/channels/outbox-dispatcher.ts', import.meta.url),
);

/**
 * Until the dispatcher is in the build, a test delivers the GitHub outbox itself, as the
 * dispatcher would: each task's undelivered rows, oldest first, to the notifier, then marks them
 * delivered. Not a substitute for the dispatcher's retries or crash safety; the tests that need
 * those wait for the dispatcher (HAS_OUTBOX_DISPATCHER).
 */
export async function deliverGitHubOutbox(db: Queryable, notifier: ChannelNotifier): Promise<number> {
  const res = await db.query<{
    id: string;
    task_id: string;
    event_type: string;
    event_seq: number;
    status: string | null;
  }>(
    `SELECT id, task_id, event_type, event_seq, status FROM channel_outbox
     WHERE delivered_at IS NULL AND channel = 'github' ORDER BY id`,
  );
  const byTask = new Map<string, ChannelNotice[]>();
  for (const r of res.rows) {
    const list = byTask.get(r.task_id) ?? [];
    list.push({
      outboxId: Number(r.id),
      eventType: r.event_type,
      eventSeq: r.event_seq,
      status: r.status as never,
    });
    byTask.set(r.task_id, list);
  }
  const messages = createChannelMessages(db, 'github');
  for (const [taskId, notices] of byTask) {
    const task = await getTask(db, taskId);
    if (!task) continue;
    await notifier.deliver(task, notices, messages);
    await db.query(
      'UPDATE channel_outbox SET delivered_at = clock_timestamp() WHERE id = ANY($1::bigint[])',
      [notices.map((n) => n.outboxId)],
    );
  }
  return res.rows.length;
}
