import { randomBytes } from 'node:crypto';
import { signedHeaders } from './signing.ts';
import type { SlackWorld } from './state.ts';

/** ABCA's answer to one request the fake sent. */
export interface SentResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The answer parsed as JSON, when it is. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read ABCA's answers field by field
  json: any;
}

/** How a request is signed: now by default; a test may sign at another time or send a wrong signature. */
export interface SendOptions {
  timestamp?: number;
  /** Sent instead of the right signature. */
  signature?: string;
  /** Omit the signature headers. */
  unsigned?: boolean;
  /** `X-Slack-Retry-Num` (Slack's retries of an event it got no 2xx for). */
  retryNum?: number;
  /** Signed with this secret instead of the app's. */
  secret?: string;
}

export interface SlackSender {
  /** Sends raw bytes to an ABCA path, signed like Slack signs (`/webhooks/slack/events`...). */
  send(
    path: string,
    body: string | Uint8Array,
    contentType: string,
    opts?: SendOptions,
  ): Promise<SentResponse>;
  /** An Events API `event_callback` around `event`; `eventId` defaults to a new one. */
  event(
    event: Record<string, unknown>,
    opts?: SendOptions & { eventId?: string },
  ): Promise<SentResponse & { eventId: string; body: string }>;
  /** The Events API URL check. */
  urlVerification(challenge: string, opts?: SendOptions): Promise<SentResponse>;
  /** A user mentions the bot (`<@bot> text`): the message is posted, then `app_mention` is sent. */
  mention(
    channel: string,
    user: string,
    text: string,
    opts?: SendOptions & { threadTs?: string; eventId?: string },
  ): Promise<SentResponse & { ts: string; eventId: string; body: string }>;
  /** A user replies in a thread: the message is posted, then a `message` event is sent. */
  reply(
    channel: string,
    user: string,
    text: string,
    threadTs: string,
    opts?: SendOptions,
  ): Promise<SentResponse & { ts: string; eventId: string; body: string }>;
  /** A slash command (`/abca <text>`), form-encoded as Slack sends it. */
  command(user: string, text: string, opts?: SendOptions & { channel?: string }): Promise<SentResponse>;
  /**
   * A button click (`block_actions`), form-encoded as `payload=<json>`; its `trigger_id` (returned)
   * lets ABCA open one modal for the user (`views.open`).
   */
  blockAction(
    user: string,
    action: { actionId: string; value: string; channel: string; messageTs: string; text?: string },
    opts?: SendOptions,
  ): Promise<SentResponse & { triggerId: string }>;
  /**
   * The user submits a modal ABCA opened (`view_submission`), with a value for input blocks by
   * `block_id`. `asUser` submits it as someone else (what a forged request would claim).
   */
  submitView(
    viewId: string,
    values: Record<string, string>,
    opts?: SendOptions & { asUser?: string },
  ): Promise<SentResponse>;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

export function createSlackSender(deps: {
  abcaUrl: string;
  signingSecret: string;
  teamId: string;
  botUserId: string;
  world: SlackWorld;
}): SlackSender {
  const { teamId, botUserId, world } = deps;
  const newEventId = () => `Ev${randomBytes(6).toString('hex').toUpperCase()}`;
  const triggerId = () => `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`;

  const send: SlackSender['send'] = async (path, body, contentType, opts = {}) => {
    const headers = opts.unsigned
      ? { 'content-type': contentType }
      : signedHeaders(opts.secret ?? deps.signingSecret, body, {
          contentType,
          ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
        });
    if (opts.signature !== undefined) headers['x-slack-signature'] = opts.signature;
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const res = await fetch(new URL(path, deps.abcaUrl), { method: 'POST', headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  const event: SlackSender['event'] = async (ev, opts = {}) => {
    const eventId = opts.eventId ?? newEventId();
    const body = JSON.stringify({
      token: 'fake-verification-token',
      team_id: teamId,
      api_app_id: 'A0ABCAAPP',
      event: ev,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: teamId,
          user_id: botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(8).toString('hex')}`,
    });
    return { ...(await send('/webhooks/slack/events', body, JSON_TYPE, opts)), eventId, body };
  };

  return {
    send,
    event,
    urlVerification: (challenge, opts) =>
      send(
        '/webhooks/slack/events',
        JSON.stringify({ token: 'fake-verification-token', challenge, type: 'url_verification' }),
        JSON_TYPE,
        opts,
      ),
    async mention(channel, user, text, opts = {}) {
      const fullText = `<@${botUserId}> ${text}`;
      const msg = world.post(channel, {
        user,
        text: fullText,
        ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
      });
      const sent = await event(
        {
          type: 'app_mention',
          user,
          text: fullText,
          ts: msg.ts,
          channel,
          event_ts: msg.ts,
          team: teamId,
          ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
        },
        opts,
      );
      return { ...sent, ts: msg.ts };
    },
    async reply(channel, user, text, threadTs, opts = {}) {
      const msg = world.post(channel, { user, text, thread_ts: threadTs });
      const sent = await event(
        {
          type: 'message',
          user,
          text,
          ts: msg.ts,
          thread_ts: threadTs,
          parent_user_id: world.find(channel, threadTs)?.user,
          channel,
          event_ts: msg.ts,
          channel_type: 'channel',
          team: teamId,
        },
        opts,
      );
      return { ...sent, ts: msg.ts };
    },
    command(user, text, opts = {}) {
      const channel = opts.channel ?? 'C0GENERAL';
      const body = new URLSearchParams({
        token: 'fake-verification-token',
        team_id: teamId,
        team_domain: 'abca-fake',
        channel_id: channel,
        channel_name: 'general',
        user_id: user,
        user_name: world.users.get(user)?.name ?? user.toLowerCase(),
        command: '/abca',
        text,
        api_app_id: 'A0ABCAAPP',
        is_enterprise_install: 'false',
        response_url: `https://hooks.slack.com/commands/${teamId}/1/${randomBytes(8).toString('hex')}`,
        trigger_id: triggerId(),
      }).toString();
      return send('/webhooks/slack/commands', body, FORM, opts);
    },
    async blockAction(user, action, opts = {}) {
      const message = world.find(action.channel, action.messageTs);
      const trigger = triggerId();
      world.triggers.set(trigger, { user, used: false });
      const payload = {
        type: 'block_actions',
        user: { id: user, username: world.users.get(user)?.name ?? user, name: user, team_id: teamId },
        api_app_id: 'A0ABCAAPP',
        token: 'fake-verification-token',
        container: {
          type: 'message',
          message_ts: action.messageTs,
          channel_id: action.channel,
          is_ephemeral: false,
          ...(message?.thread_ts ? { thread_ts: message.thread_ts } : {}),
        },
        trigger_id: trigger,
        team: { id: teamId, domain: 'abca-fake' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: action.channel, name: 'general' },
        message: message ?? { type: 'message', ts: action.messageTs },
        response_url: `https://hooks.slack.com/actions/${teamId}/1/${randomBytes(8).toString('hex')}`,
        actions: [
          {
            action_id: action.actionId,
            block_id: 'abca_actions',
            text: { type: 'plain_text', text: action.text ?? 'Cancel', emoji: true },
            value: action.value,
            style: 'danger',
            type: 'button',
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return { ...(await send('/webhooks/slack/interactions', body, FORM, opts)), triggerId: trigger };
    },
    submitView(viewId, values, opts = {}) {
      const view = world.views.find((v) => v.id === viewId);
      if (!view) throw new Error(`fake slack: no view ${viewId} was opened`);
      const user = opts.asUser ?? view.user;
      // Slack's state: block_id -> action_id -> the element's value.
      const state: Record<string, Record<string, unknown>> = {};
      for (const b of view.blocks as {
        type?: string;
        block_id?: string;
        element?: { type?: string; action_id?: string };
      }[]) {
        if (b.type !== 'input' || !b.block_id || !b.element?.action_id) continue;
        state[b.block_id] = {
          [b.element.action_id]: {
            type: b.element.type ?? 'plain_text_input',
            value: values[b.block_id] ?? null,
          },
        };
      }
      const { user: _user, trigger_id: _trigger, ...shown } = view;
      const payload = {
        type: 'view_submission',
        team: { id: teamId, domain: 'abca-fake' },
        user: { id: user, username: world.users.get(user)?.name ?? user, name: user, team_id: teamId },
        api_app_id: 'A0ABCAAPP',
        token: 'fake-verification-token',
        trigger_id: triggerId(),
        view: { ...shown, state: { values: state }, app_id: 'A0ABCAAPP', bot_id: world.bot.botId },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return send('/webhooks/slack/interactions', body, FORM, opts);
    },
  };
}
