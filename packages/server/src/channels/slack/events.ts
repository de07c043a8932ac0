import { NudgeRequest } from '@abca/contracts';
import { AppError } from '../../ops/errors.ts';
import { queueNudge } from '../../store/nudge-store.ts';
import { submitTask } from '../gateway.ts';
import { howToLink, resolveSender } from '../identities.ts';
import type { SlackIngressDeps } from './ingress-deps.ts';
import { parseMention, unescapeSlack } from './mention.ts';
import { AppMentionEvent, type EventCallback, MessageEvent } from './payloads.ts';
import { parsePayload } from './request.ts';
import { mayActOn, runningTaskInThread } from './task-actions.ts';

/** What an event came to: the outcome recorded for its `event_id`, the task, and a reply to send once answered. */
export interface EventResult {
  status: 200 | 202;
  outcome: string;
  taskId?: string;
  reply?: { channel: string; user: string; threadTs?: string; text: string };
  /** A reaction on the user's message (a nudge taken). */
  react?: { channel: string; ts: string; name: string };
}

/** Handles one verified `event_callback`: a mention starts a task, a thread reply nudges, the rest is ignored. */
export async function handleEvent(deps: SlackIngressDeps, cb: EventCallback): Promise<EventResult> {
  const botUserId = cb.authorizations?.find((a) => a.user_id)?.user_id;
  if (cb.event.type === 'app_mention')
    return mention(deps, cb, parsePayload(AppMentionEvent, cb.event), botUserId);
  if (cb.event.type === 'message')
    return threadReply(deps, cb, parsePayload(MessageEvent, cb.event), botUserId);
  deps.log.info(
    { eventType: cb.event.type, eventId: cb.event_id },
    'slack event ignored: not a type ABCA handles',
  );
  return { status: 202, outcome: 'ignored' };
}

async function mention(
  deps: SlackIngressDeps,
  cb: EventCallback,
  ev: AppMentionEvent,
  botUserId: string | undefined,
): Promise<EventResult> {
  const threadTs = ev.thread_ts ?? ev.ts;
  const to = { channel: ev.channel, user: ev.user, threadTs };
  if (ev.user === botUserId) return { status: 202, outcome: 'ignored' };
  const parsed = parseMention(ev.text, botUserId);
  if (parsed.kind === 'usage')
    return { status: 200, outcome: 'usage', reply: { ...to, text: parsed.reason } };
  const externalId = `${cb.team_id}:${ev.user}`;
  const sender = await resolveSender(deps.db, 'slack', externalId, deps.config.channels.slack.unlinkedUser);
  if (sender.kind === 'unlinked')
    return { status: 200, outcome: 'unlinked', reply: { ...to, text: howToLink('slack', externalId) } };
  try {
    const result = await submitTask(deps, {
      userId: sender.userId,
      body: parsed.body,
      idempotencyKey: `slack:${cb.event_id}`,
      channelRef: {
        channel: 'slack',
        team_id: cb.team_id,
        channel_id: ev.channel,
        thread_ts: threadTs,
        message_ts: ev.ts,
        user_id: ev.user,
        delivery_id: cb.event_id,
      },
    });
    deps.log.info(
      { taskId: result.task.task_id, eventId: cb.event_id, kind: result.kind },
      'slack mention made a task',
    );
    return { status: 200, outcome: 'task', taskId: result.task.task_id };
  } catch (err) {
    if (
      err instanceof AppError &&
      ['REPO_NOT_ONBOARDED', 'BUDGET_EXCEEDED', 'DUPLICATE_TASK'].includes(err.code)
    )
      return { status: 200, outcome: `refused:${err.code}`, reply: { ...to, text: err.message } };
    throw err;
  }
}

async function threadReply(
  deps: SlackIngressDeps,
  cb: EventCallback,
  ev: MessageEvent,
  botUserId: string | undefined,
): Promise<EventResult> {
  const ignored: EventResult = { status: 202, outcome: 'ignored' };
  // Edits, joins, bots (ABCA's own messages among them) and top-level messages are not nudges; a
  // reply that mentions the bot is an `app_mention` too, handled there.
  if (ev.subtype || ev.bot_id || !ev.user || ev.user === botUserId) return ignored;
  if (!ev.thread_ts || ev.thread_ts === ev.ts || !ev.text) return ignored;
  if (botUserId && ev.text.includes(`<@${botUserId}>`)) return ignored;
  const task = await runningTaskInThread(deps.db, {
    teamId: cb.team_id,
    channelId: ev.channel,
    threadTs: ev.thread_ts,
  });
  if (!task) return ignored;
  const to = { channel: ev.channel, user: ev.user, threadTs: ev.thread_ts };
  const externalId = `${cb.team_id}:${ev.user}`;
  const sender = await resolveSender(deps.db, 'slack', externalId, deps.config.channels.slack.unlinkedUser);
  if (sender.kind === 'unlinked')
    return { status: 200, outcome: 'unlinked', reply: { ...to, text: howToLink('slack', externalId) } };
  if (!(await mayActOn(deps.db, task, sender.userId)))
    return {
      status: 200,
      outcome: 'forbidden',
      reply: {
        ...to,
        text: `Only the owner of task ${task.task_id} (or an admin) can nudge it; your reply was not passed on.`,
      },
    };
  const message = NudgeRequest.safeParse({ message: unescapeSlack(ev.text) });
  if (!message.success)
    return {
      status: 200,
      outcome: 'invalid',
      reply: { ...to, text: 'A nudge is 1 to 2000 characters; your reply was not passed on.' },
    };
  const queued = await queueNudge(deps.db, task.task_id, sender.userId, message.data.message);
  if (queued.kind === 'rate_limited')
    return {
      status: 200,
      outcome: 'rate_limited',
      reply: {
        ...to,
        text: `Task ${task.task_id} got too many nudges this minute; your reply was not passed on. Wait a little.`,
      },
    };
  return {
    status: 200,
    outcome: 'nudge',
    taskId: task.task_id,
    react: { channel: ev.channel, ts: ev.ts, name: 'eyes' },
  };
}
