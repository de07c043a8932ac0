import { existsSync } from 'node:fs';
import { createChannelMessages } from '../../src/channels/channel-messages.ts';
import type { ChannelNotice, ChannelNotifier } from '../../src/ports/channel-notifier.ts';
import type { Db } from '../../src/storage/db.ts';
import { getTask } from '../../src/store/task-store.ts';

/**
 * Whether the outbox dispatcher (channels/outbox-dispatcher.ts, issue 9's outbox part) is in this
 * tree: then the platform delivers Slack's notices by itself. Until it is, a test delivers them
 * with {@link startOutboxPump}, calling the notifier the way the dispatcher does.
 */
export const outboxDispatcherMerged = existsSync(
  new URL('../../src/channels/outbox-dispatcher.ts', import.meta.url),
);

/**
 * A stand-in for the outbox dispatcher in one test process: polls `channel_outbox` for a channel's
 * undelivered rows, hands each task's rows (oldest first) to the notifier and marks them delivered;
 * a failure leaves them for the next poll. Not the product's dispatcher: no backoff, no locking.
 */
export function startOutboxPump(db: Db, notifier: ChannelNotifier, opts: { intervalMs?: number } = {}) {
  let stopped = false;
  const messages = createChannelMessages(db, notifier.channel);
  const loop = (async () => {
    while (!stopped) {
      const res = await db.query<{
        id: string;
        task_id: string;
        event_type: string;
        event_seq: number;
        status: string | null;
      }>(
        `SELECT id, task_id, event_type, event_seq, status FROM channel_outbox
          WHERE channel = $1 AND delivered_at IS NULL ORDER BY id`,
        [notifier.channel],
      );
      const byTask = new Map<string, ChannelNotice[]>();
      for (const r of res.rows) {
        const list = byTask.get(r.task_id) ?? [];
        list.push({
          outboxId: Number(r.id),
          eventType: r.event_type,
          eventSeq: r.event_seq,
          status: r.status as ChannelNotice['status'],
        });
        byTask.set(r.task_id, list);
      }
      for (const [taskId, notices] of byTask) {
        const task = await getTask(db, taskId);
        if (!task) continue;
        try {
          await notifier.deliver(task, notices, messages);
          await db.query('UPDATE channel_outbox SET delivered_at = now() WHERE id = ANY($1)', [
            notices.map((n) => n.outboxId),
          ]);
        } catch {
          // left for the next poll
        }
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
