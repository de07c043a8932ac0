import type { FakeSlackMessage, FakeSlackView, SlackWorld } from './state.ts';

/** A Web API answer: Slack answers 200 with `ok: false` and an `error` code for most failures. */
export type ApiAnswer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

const ok = (body: Record<string, unknown> = {}): ApiAnswer => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): ApiAnswer => ({ status: 200, body: { ok: false, error } });

type Args = Record<string, unknown>;
type Method = (world: SlackWorld, args: Args) => ApiAnswer;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Form fields arrive as strings; `blocks` and `metadata` as JSON text (Slack accepts both forms). */
function json(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function metadataOf(v: unknown): FakeSlackMessage['metadata'] | 'invalid' | undefined {
  if (v === undefined || v === '') return undefined;
  const m = json(v) as { event_type?: unknown; event_payload?: unknown } | undefined;
  if (
    !m ||
    typeof m.event_type !== 'string' ||
    typeof m.event_payload !== 'object' ||
    m.event_payload === null
  )
    return 'invalid';
  return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
}

function blocksOf(v: unknown): unknown[] | 'invalid' | undefined {
  if (v === undefined || v === '') return undefined;
  const b = json(v);
  return Array.isArray(b) ? b : 'invalid';
}

/** How a message is shown to API callers: metadata only when asked for (`include_all_metadata`). */
function shown(m: FakeSlackMessage, withMetadata: boolean): FakeSlackMessage {
  if (withMetadata || !m.metadata) return { ...m };
  const { metadata: _hidden, ...rest } = m;
  return rest;
}

const plainText = (v: unknown, max: number): boolean => {
  const t = v as { type?: unknown; text?: unknown } | undefined;
  return t?.type === 'plain_text' && typeof t.text === 'string' && t.text.length > 0 && t.text.length <= max;
};

/**
 * A modal view as `views.open` checks it (Slack's published limits): `type: modal`, a plain_text
 * title of at most 24 characters, at most 100 blocks, a `submit` when a block takes input,
 * `callback_id` up to 255 and `private_metadata` up to 3000 characters. Undefined when it holds.
 */
function viewProblem(view: Record<string, unknown>): string | undefined {
  if (view.type !== 'modal') return 'view type must be modal';
  if (!plainText(view.title, 24)) return 'title must be plain_text of 1 to 24 characters';
  const blocks = view.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 100)
    return 'blocks must hold 1 to 100 blocks';
  const hasInput = blocks.some((b) => (b as { type?: unknown }).type === 'input');
  if (hasInput && !plainText(view.submit, 24)) return 'a view with input blocks needs a submit of plain_text';
  if (view.close !== undefined && !plainText(view.close, 24))
    return 'close must be plain_text of 1 to 24 characters';
  for (const b of blocks as { type?: unknown; block_id?: unknown; element?: { action_id?: unknown } }[]) {
    if (b.type === 'input' && (typeof b.element?.action_id !== 'string' || typeof b.block_id !== 'string'))
      return 'an input block needs a block_id and an element with an action_id';
  }
  if (
    view.callback_id !== undefined &&
    (typeof view.callback_id !== 'string' || view.callback_id.length > 255)
  )
    return 'callback_id must be a string of at most 255 characters';
  if (
    view.private_metadata !== undefined &&
    (typeof view.private_metadata !== 'string' || view.private_metadata.length > 3000)
  )
    return 'private_metadata must be a string of at most 3000 characters';
  return undefined;
}

export const METHODS: Record<string, Method> = {
  'auth.test': (world) =>
    ok({
      url: 'https://fake-slack.example/',
      team: 'ABCA Fake',
      user: world.bot.name,
      team_id: world.teamId,
      user_id: world.bot.userId,
      bot_id: world.bot.botId,
    }),

  'chat.postMessage': (world, args) => {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    const text = str(args.text);
    const blocks = blocksOf(args.blocks);
    const metadata = metadataOf(args.metadata);
    if (blocks === 'invalid') return fail('invalid_blocks');
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    if (!text && !blocks) return fail('no_text');
    const threadTs = str(args.thread_ts);
    if (threadTs && !world.find(channel, threadTs)) return fail('thread_not_found');
    const message = world.post(channel, {
      user: world.bot.userId,
      bot_id: world.bot.botId,
      text: text ?? '',
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(blocks ? { blocks } : {}),
      ...(metadata ? { metadata } : {}),
    });
    return ok({ channel, ts: message.ts, message: shown(message, true) });
  },

  'chat.update': (world, args) => {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !world.channels.has(channel)) return fail('channel_not_found');
    const message = ts ? world.find(channel, ts) : undefined;
    if (!message) return fail('message_not_found');
    if (message.user !== world.bot.userId) return fail('cant_update_message');
    const blocks = blocksOf(args.blocks);
    const metadata = metadataOf(args.metadata);
    if (blocks === 'invalid') return fail('invalid_blocks');
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    const text = str(args.text);
    if (text !== undefined) message.text = text;
    if (blocks) message.blocks = blocks;
    if (metadata) message.metadata = metadata;
    message.edited = { user: world.bot.userId, ts: world.nextTs() };
    return ok({ channel, ts: message.ts, text: message.text, message: shown(message, true) });
  },

  'chat.postEphemeral': (world, args) => {
    const channel = str(args.channel);
    const user = str(args.user);
    const text = str(args.text);
    if (!channel) return fail('channel_not_found');
    if (!user || !world.users.has(user)) return fail('user_not_in_channel');
    if (!text && !args.blocks) return fail('no_text');
    const threadTs = str(args.thread_ts);
    const messageTs = world.nextTs();
    world.ephemeral.push({
      channel,
      user,
      text: text ?? '',
      ...(threadTs ? { thread_ts: threadTs } : {}),
      message_ts: messageTs,
    });
    return ok({ message_ts: messageTs });
  },

  'reactions.add': (world, args) => {
    const channel = str(args.channel);
    const name = str(args.name);
    const ts = str(args.timestamp);
    if (!channel || !world.channels.has(channel)) return fail('channel_not_found');
    if (!name) return fail('invalid_name');
    const message = ts ? world.find(channel, ts) : undefined;
    if (!message) return fail('message_not_found');
    message.reactions ??= [];
    const reaction = message.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(world.bot.userId)) return fail('already_reacted');
    if (reaction) {
      reaction.users.push(world.bot.userId);
      reaction.count++;
    } else message.reactions.push({ name, users: [world.bot.userId], count: 1 });
    return ok();
  },

  'conversations.replies': (world, args) => {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !world.channels.has(channel)) return fail('channel_not_found');
    if (!ts) return fail('invalid_arguments');
    const thread = world.thread(channel, ts);
    if (!thread.length) return fail('thread_not_found');
    const withMetadata = truthy(args.include_all_metadata);
    // One page holds the whole thread (ABCA's threads are short); `limit` is honoured, no cursor.
    const limit = Math.max(1, Math.min(Number(str(args.limit) ?? args.limit ?? 1000) || 1000, 1000));
    return ok({
      messages: thread.slice(0, limit).map((m) => shown(m, withMetadata)),
      has_more: thread.length > limit,
      response_metadata: { next_cursor: '' },
    });
  },

  /**
   * Opens a modal for the user of an interaction. A `trigger_id` is good for one view (Slack also
   * lets it expire after 3 s; the fake does not time it, so a busy test machine is not flaky):
   * unknown is `invalid_trigger_id`, used twice `exchanged_trigger_id`; a bad view
   * `invalid_arguments` with Slack's `response_metadata.messages`.
   */
  'views.open': (world, args) => {
    const triggerId = str(args.trigger_id);
    const view = json(args.view) as Record<string, unknown> | undefined;
    if (!triggerId || !view || typeof view !== 'object') return fail('invalid_arguments');
    const trigger = world.triggers.get(triggerId);
    if (!trigger) return fail('invalid_trigger_id');
    if (trigger.used) return fail('exchanged_trigger_id');
    const problem = viewProblem(view);
    if (problem)
      return {
        status: 200,
        body: {
          ok: false,
          error: 'invalid_arguments',
          response_metadata: { messages: [`[ERROR] ${problem}`] },
        },
      };
    trigger.used = true;
    const opened: FakeSlackView = {
      id: world.nextViewId(),
      team_id: world.teamId,
      type: 'modal',
      title: view.title,
      ...(view.submit !== undefined ? { submit: view.submit } : {}),
      ...(view.close !== undefined ? { close: view.close } : {}),
      blocks: view.blocks as unknown[],
      callback_id: (view.callback_id as string | undefined) ?? '',
      private_metadata: (view.private_metadata as string | undefined) ?? '',
      state: { values: {} },
      hash: `${Date.now()}.fakehash`,
      user: trigger.user,
      trigger_id: triggerId,
    };
    world.views.push(opened);
    const { user: _user, trigger_id: _trigger, ...shownView } = opened;
    return ok({ view: { ...shownView, app_id: 'A0ABCAAPP', bot_id: world.bot.botId } });
  },

  'users.info': (world, args) => {
    const id = str(args.user);
    const user = id ? world.users.get(id) : undefined;
    if (!user) return fail('user_not_found');
    return ok({
      user: {
        ...user,
        deleted: false,
        profile: { real_name: user.real_name, display_name: user.name },
      },
    });
  },
};
