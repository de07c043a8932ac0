import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ChannelMessages, ChannelNotice, ChannelNotifier } from '../ports/channel-notifier.ts';
import type { TaskRow } from '../store/task-row.ts';

/**
 * A fake channel for tests (`ABCA_FAKE_CHANNEL_URL`): talks real HTTP to a recording "chat" server
 * (packages/server/test/support/fake-chat-server.ts) the way the real channels talk to GitHub and
 * Slack, so the outbox is tested end to end. Idempotent the same way: the one status message is
 * found again by its stored id (`ChannelMessages`) or, after a crash between posting it and storing
 * the id, by its marker; each notice's message is looked for by its marker before it is posted.
 *
 * The server's API: `GET /conversations/{key}/messages`, `POST /conversations/{key}/messages`
 * `{marker, text}` → `{id}`, `PUT /conversations/{key}/messages/{id}` `{text}`. Each request names the
 * deliver call it belongs to (`X-Abca-Deliver`), so the server can tell overlapping calls apart.
 */
const Message = z.object({ id: z.string(), marker: z.string(), text: z.string() });
const MessageList = z.object({ messages: z.array(Message) });
const Posted = z.object({ id: z.string() });

export function statusMarker(taskId: string): string {
  return `abca-status:${taskId}`;
}
export function noticeMarker(taskId: string, eventSeq: number): string {
  return `abca-notice:${taskId}:${eventSeq}`;
}
/** What the fake channel shows for a notice: the state it reports. */
export function noticeText(n: Pick<ChannelNotice, 'eventType' | 'status'>): string {
  return n.status ? `${n.eventType} ${n.status}` : n.eventType;
}

export function createFakeChannelNotifier(o: {
  channel: 'github' | 'slack';
  baseUrl: string;
  timeoutMs?: number;
}): ChannelNotifier {
  const base = o.baseUrl.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 60_000;
  return {
    channel: o.channel,
    async deliver(task: TaskRow, notices: ChannelNotice[], messages: ChannelMessages) {
      const deliverId = randomUUID();
      const conv = `${base}/conversations/${encodeURIComponent(`${o.channel}:${task.task_id}`)}/messages`;
      const call = async (method: string, url: string, body?: unknown): Promise<unknown> => {
        const res = await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', 'x-abca-deliver': deliverId },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!res.ok) throw new Error(`fake channel answered ${res.status} to ${method}`);
        return res.json();
      };
      const existing = MessageList.parse(await call('GET', conv)).messages;
      const byMarker = new Map(existing.map((m) => [m.marker, m.id]));

      let statusId = await messages.get(task.task_id, 'status');
      if (!statusId) {
        const marker = statusMarker(task.task_id);
        statusId =
          byMarker.get(marker) ??
          Posted.parse(await call('POST', conv, { marker, text: `task ${task.task_id}` })).id;
        await messages.save(task.task_id, 'status', statusId);
      }
      for (const n of notices) {
        const marker = noticeMarker(task.task_id, n.eventSeq);
        if (byMarker.has(marker)) continue;
        await call('POST', conv, { marker, text: noticeText(n) });
      }
      const last = notices.at(-1);
      if (last) await call('PUT', `${conv}/${encodeURIComponent(statusId)}`, { text: noticeText(last) });
    },
  };
}
