import type { Approval } from '@abca/contracts';
import type { WebClient } from '@slack/web-api';
import { pendingApproval } from '../../approvals/approval-store.ts';
import type { ChannelsConfig } from '../../config/channels-config.ts';
import type { Logger } from '../../ops/logger.ts';
import type { ChannelMessages, ChannelNotice, ChannelNotifier } from '../../ports/channel-notifier.ts';
import type { Queryable } from '../../storage/db.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { createSlackClient, slackErrorCode } from './client.ts';
import { END_REACTION, renderStatus, START_REACTION, STATUS_METADATA_TYPE } from './status-message.ts';

export interface SlackNotifierDeps {
  /** `xoxb-...` (ABCA_SLACK_BOT_TOKEN). */
  token: string;
  /** Slack's Web API base URL (ABCA_SLACK_API_URL). */
  apiUrl: string;
  log: Logger;
  /** A client to use instead of one made from token and apiUrl (tests). */
  client?: WebClient;
  /** The request a task waits on (approvals/approval-store.ts): shown with Approve / Deny buttons. */
  pendingApproval?: (taskId: string) => Promise<Approval | undefined>;
}

const PURPOSE = 'status';

/**
 * Tells a Slack task's thread what changed ({@link ChannelNotifier}): ONE message in the thread,
 * posted once and edited in place (state, step, turns, cost, a Cancel button while it runs, the PR
 * link at the end), and reactions on the asking message (`eyes` once it is taken, then
 * `white_check_mark`, `x` or `no_entry_sign`). The message is found again by its stored `ts`, or,
 * after a crash between Slack posting it and ABCA recording it, by its metadata (`abca_task` with
 * the task id) in the thread: never two. Every call is idempotent; it throws for the dispatcher
 * to retry when Slack fails.
 */
export function createSlackChannelNotifier(deps: SlackNotifierDeps): ChannelNotifier {
  const slack = deps.client ?? createSlackClient({ token: deps.token, apiUrl: deps.apiUrl, log: deps.log });
  let botUserId: string | undefined;

  async function ownUserId(): Promise<string | undefined> {
    if (!botUserId) botUserId = (await slack.auth.test()).user_id;
    return botUserId;
  }

  /** ABCA's message for the task in the thread, by its metadata (the crash between post and record). */
  async function findPosted(channel: string, threadTs: string, taskId: string): Promise<string | undefined> {
    const me = await ownUserId();
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      let res: Awaited<ReturnType<WebClient['conversations']['replies']>>;
      try {
        res = await slack.conversations.replies({
          channel,
          ts: threadTs,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
      } catch (err) {
        if (slackErrorCode(err) === 'thread_not_found') return undefined;
        throw err;
      }
      for (const m of res.messages ?? []) {
        const meta = m.metadata as { event_type?: string; event_payload?: { task_id?: unknown } } | undefined;
        if (
          meta?.event_type === STATUS_METADATA_TYPE &&
          meta.event_payload?.task_id === taskId &&
          m.ts &&
          (!me || m.user === me)
        )
          return m.ts;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async function react(channel: string, ts: string, name: string): Promise<void> {
    try {
      await slack.reactions.add({ channel, timestamp: ts, name });
    } catch (err) {
      if (slackErrorCode(err) === 'already_reacted') return;
      // The asking message was deleted: nothing to react on, not worth a retry.
      if (slackErrorCode(err) === 'message_not_found') return;
      throw err;
    }
  }

  return {
    channel: 'slack',
    async deliver(task: TaskRow, notices: ChannelNotice[], messages: ChannelMessages) {
      const ref = task.channel_ref;
      if (ref?.channel !== 'slack') {
        deps.log.warn({ taskId: task.task_id }, 'slack notice for a task without a slack reference: skipped');
        return;
      }
      const pending =
        task.status === 'AWAITING_APPROVAL' ? await deps.pendingApproval?.(task.task_id) : undefined;
      const view = renderStatus(task, pending);
      let ts = await messages.get(task.task_id, PURPOSE);
      if (!ts) {
        ts = await findPosted(ref.channel_id, ref.thread_ts, task.task_id);
        if (ts) await messages.save(task.task_id, PURPOSE, ts);
      }
      if (ts) {
        try {
          await slack.chat.update({
            channel: ref.channel_id,
            ts,
            text: view.text,
            blocks: view.blocks as never,
            metadata: view.metadata,
          });
        } catch (err) {
          // Deleted by someone in Slack: post it again.
          if (slackErrorCode(err) !== 'message_not_found') throw err;
          ts = undefined;
        }
      }
      if (!ts) {
        const posted = await slack.chat.postMessage({
          channel: ref.channel_id,
          thread_ts: ref.thread_ts,
          text: view.text,
          blocks: view.blocks as never,
          metadata: view.metadata,
          unfurl_links: false,
        });
        if (!posted.ts) throw new Error('slack chat.postMessage answered without a ts');
        await messages.save(task.task_id, PURPOSE, posted.ts);
      }
      const asking = ref.message_ts ?? ref.thread_ts;
      await react(ref.channel_id, asking, START_REACTION);
      const end = END_REACTION[task.status];
      if (end) await react(ref.channel_id, asking, end);
      deps.log.debug(
        { taskId: task.task_id, notices: notices.length, status: task.status },
        'slack thread updated',
      );
    },
  };
}

/**
 * The Slack notifier for the outbox dispatcher when ABCA_SLACK_BOT_TOKEN is set (the composition
 * root passes it on); none otherwise: Slack tasks then get no thread message (their outbox rows wait).
 */
export function slackNotifierFromConfig(
  channels: Pick<ChannelsConfig, 'slack'>,
  log: Logger,
  db?: Queryable,
): ChannelNotifier | undefined {
  const { botToken, apiUrl } = channels.slack;
  return botToken
    ? createSlackChannelNotifier({
        token: botToken,
        apiUrl,
        log,
        ...(db ? { pendingApproval: (taskId: string) => pendingApproval(db, taskId) } : {}),
      })
    : undefined;
}
