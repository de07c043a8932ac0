import { z } from 'zod';

/**
 * What ABCA reads of Slack's requests (Events API, slash commands, interactivity), checked at the
 * trust boundary after the signature holds. Unknown fields pass: Slack adds fields over time.
 */
const SlackId = z.string().regex(/^[A-Z0-9][A-Z0-9_]{0,40}$/, 'not a Slack id');
const SlackTs = z.string().regex(/^\d{1,12}\.\d{1,9}$/, 'not a Slack timestamp');

export const UrlVerification = z.object({
  type: z.literal('url_verification'),
  challenge: z.string().max(200),
});

/** `app_mention`: the bot was mentioned in a channel message (or a thread reply). */
export const AppMentionEvent = z.object({
  type: z.literal('app_mention'),
  user: SlackId,
  text: z.string().max(40_000),
  ts: SlackTs,
  channel: SlackId,
  thread_ts: SlackTs.optional(),
});
export type AppMentionEvent = z.infer<typeof AppMentionEvent>;

/** `message`: a message in a channel ABCA is in (thread replies to a running task become nudges). */
export const MessageEvent = z.object({
  type: z.literal('message'),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
  user: SlackId.optional(),
  text: z.string().max(40_000).optional(),
  ts: SlackTs,
  channel: SlackId,
  thread_ts: SlackTs.optional(),
});
export type MessageEvent = z.infer<typeof MessageEvent>;

export const EventCallback = z.object({
  type: z.literal('event_callback'),
  team_id: SlackId,
  event_id: z.string().regex(/^Ev[A-Za-z0-9]{1,60}$/, 'not a Slack event id'),
  event: z.looseObject({ type: z.string().max(100) }),
  authorizations: z.array(z.looseObject({ user_id: SlackId.optional() })).optional(),
});
export type EventCallback = z.infer<typeof EventCallback>;

/** The envelope's `type`: `event_callback`, `url_verification`, or one ABCA ignores (`app_rate_limited`). */
export const EventEnvelope = z.looseObject({ type: z.string().max(100) });

/** A slash command, form-encoded. */
export const SlashCommand = z.object({
  team_id: SlackId,
  channel_id: SlackId,
  user_id: SlackId,
  command: z.string().max(100),
  text: z.string().max(4000).default(''),
});
export type SlashCommand = z.infer<typeof SlashCommand>;

/** A `block_actions` interaction (a button click), form-encoded as `payload=<json>`. */
export const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: SlackId, team_id: SlackId.optional() }),
  team: z.object({ id: SlackId }).nullable().optional(),
  container: z
    .looseObject({
      channel_id: SlackId.optional(),
      message_ts: SlackTs.optional(),
      thread_ts: SlackTs.optional(),
    })
    .optional(),
  channel: z.object({ id: SlackId }).optional(),
  /** Opens one modal (views.open) for the clicker, within 3 s. */
  trigger_id: z.string().max(200).optional(),
  actions: z
    .array(z.looseObject({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .max(25),
});
export type BlockActions = z.infer<typeof BlockActions>;

/** A modal submitted (`view_submission`): ABCA's Deny form, with the reason typed in it. */
export const ViewSubmission = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: SlackId, team_id: SlackId.optional() }),
  team: z.object({ id: SlackId }).nullable().optional(),
  view: z.looseObject({
    id: z.string().max(100),
    callback_id: z.string().max(255).optional(),
    private_metadata: z.string().max(3000).optional(),
    state: z
      .looseObject({
        values: z.record(
          z.string().max(255),
          z.record(
            z.string().max(255),
            z.looseObject({ value: z.string().max(10_000).nullable().optional() }),
          ),
        ),
      })
      .optional(),
  }),
});
export type ViewSubmission = z.infer<typeof ViewSubmission>;

export const InteractionEnvelope = z.looseObject({ type: z.string().max(100) });
