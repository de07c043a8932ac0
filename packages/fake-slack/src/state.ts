/** A message as Slack shows it in `conversations.replies` (the fields ABCA reads). */
export interface FakeSlackMessage {
  type: 'message';
  ts: string;
  /** The thread's parent `ts`; on the parent itself too once it has replies (as Slack does). */
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  /** Slack's message metadata (`event_type`, `event_payload`): shown only with `include_all_metadata`. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  reactions?: { name: string; users: string[]; count: number }[];
  edited?: { user: string; ts: string };
}

export interface FakeSlackUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
}

/** A modal opened with `views.open`, as Slack answers it (the fields ABCA sets, and Slack's own). */
export interface FakeSlackView {
  id: string;
  team_id: string;
  type: 'modal';
  title: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  callback_id: string;
  private_metadata: string;
  state: { values: Record<string, unknown> };
  hash: string;
  /** Who opened it: the user whose interaction gave the trigger. */
  user: string;
  trigger_id: string;
}

/** What the fake Slack holds: channels of messages (threads by `thread_ts`), users, ephemeral notes. */
export class SlackWorld {
  readonly channels = new Map<string, FakeSlackMessage[]>();
  readonly users = new Map<string, FakeSlackUser>();
  /** `chat.postEphemeral` messages: seen by one user, never in the channel's history. */
  readonly ephemeral: {
    channel: string;
    user: string;
    text: string;
    thread_ts?: string;
    message_ts: string;
  }[] = [];
  /** `trigger_id`s handed out with interactions (each opens one view) and the user they came from. */
  readonly triggers = new Map<string, { user: string; used: boolean }>();
  /** Modals opened with `views.open`, oldest first. */
  readonly views: FakeSlackView[] = [];
  private lastTs = 0;
  private lastView = 0;

  constructor(
    readonly teamId: string,
    readonly bot: { userId: string; botId: string; name: string },
  ) {
    this.users.set(bot.userId, {
      id: bot.userId,
      team_id: teamId,
      name: bot.name,
      real_name: bot.name,
      is_bot: true,
    });
  }

  /** A new message timestamp: Slack's `<seconds>.<micro>` form, unique and increasing. */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** A new view id, Slack's `V...` form. */
  nextViewId(): string {
    this.lastView += 1;
    return `V0FAKE${String(this.lastView).padStart(6, '0')}`;
  }

  channel(id: string): FakeSlackMessage[] {
    let list = this.channels.get(id);
    if (!list) {
      list = [];
      this.channels.set(id, list);
    }
    return list;
  }

  find(channel: string, ts: string): FakeSlackMessage | undefined {
    return this.channels.get(channel)?.find((m) => m.ts === ts);
  }

  /** Adds a message (a reply when `thread_ts` names a parent in the channel). */
  post(channel: string, msg: Omit<FakeSlackMessage, 'type' | 'ts'>): FakeSlackMessage {
    const message: FakeSlackMessage = { type: 'message', ts: this.nextTs(), ...msg };
    if (message.thread_ts) {
      const parent = this.find(channel, message.thread_ts);
      if (parent) parent.thread_ts = parent.ts;
    }
    this.channel(channel).push(message);
    return message;
  }

  /** The thread as `conversations.replies` lists it: the parent first, then replies oldest first. */
  thread(channel: string, ts: string): FakeSlackMessage[] {
    const all = this.channels.get(channel) ?? [];
    const parent = all.find((m) => m.ts === ts);
    if (!parent) return [];
    const root = parent.thread_ts ?? parent.ts;
    return all.filter((m) => m.ts === root || m.thread_ts === root);
  }
}
