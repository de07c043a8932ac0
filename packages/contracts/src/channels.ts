import { z } from 'zod';

/**
 * Where a task came from: the API, the CLI, a signed generic webhook, GitHub, Slack, or the PR
 * watcher (`pr_loop`: an iteration task it started on an ABCA pull request). Every
 * channel makes the same task creation (server `channels/gateway.ts`); the answers go back to the
 * channel the task came from (docs/channels.md).
 */
export const CHANNELS = ['api', 'cli', 'dashboard', 'webhook', 'github', 'slack', 'pr_loop'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** The external identities an ABCA user may link: a GitHub login, a Slack user. */
export const IDENTITY_PROVIDERS = ['github', 'slack'] as const;
export const IdentityProvider = z.enum(IDENTITY_PROVIDERS);
export type IdentityProvider = z.infer<typeof IdentityProvider>;

const Id = z.string().min(1).max(200);

/** What GitHub triggered a task: a trigger label, an assignment to the bot, a mention in a comment. */
export const GITHUB_TRIGGERS = ['label', 'assign', 'mention'] as const;
export const GitHubTrigger = z.enum(GITHUB_TRIGGERS);
export type GitHubTrigger = z.infer<typeof GitHubTrigger>;

/**
 * The channel's reference on a task: enough to answer where the request came from. Stored on the
 * task (`tasks.channel_ref`) and returned by the API; never holds a secret.
 */
export const ChannelRef = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('api') }),
  z.object({ channel: z.literal('cli') }),
  z.object({ channel: z.literal('dashboard') }),
  z.object({
    channel: z.literal('webhook'),
    webhook_id: Id,
    /** The sender's message id (`webhook-id` or `X-Webhook-Id`). */
    delivery_id: Id,
  }),
  z.object({
    channel: z.literal('github'),
    /** `X-GitHub-Delivery` of the delivery that made the task. */
    delivery_id: Id,
    /** `owner/name` on GitHub (the repo the issue or PR lives in). */
    owner_repo: Id,
    /** The issue or PR the request came from (GitHub numbers both alike). */
    issue_number: z.number().int().positive(),
    /** The comment that asked, when a mention triggered the task. */
    comment_id: z.number().int().positive().optional(),
    trigger: GitHubTrigger,
    /** The sender's login. */
    sender: Id,
  }),
  z.object({
    channel: z.literal('slack'),
    team_id: Id,
    channel_id: Id,
    /** The thread the answer goes to (the mention's own `ts` when it started one). */
    thread_ts: Id,
    /** The message that asked. */
    message_ts: Id.optional(),
    /** The Slack user who asked. */
    user_id: Id,
    /** Slack's `event_id` or the slash command's trigger id. */
    delivery_id: Id,
  }),
  z.object({
    channel: z.literal('pr_loop'),
    /** The repo as onboarded. */
    repo: Id,
    /** The ABCA pull request the watcher started the task on. */
    pr_number: z.number().int().positive(),
    /** The task that opened the pull request. */
    origin_task_id: Id,
    /** Which iteration of the pull request this is (1, 2, ...). */
    iteration: z.number().int().positive(),
    /** What started it: `changes_requested`, `review_comment`, `mention`, `failing_check`. */
    reasons: z.array(z.string().min(1).max(100)).max(10),
  }),
]);
export type ChannelRef = z.infer<typeof ChannelRef>;

/** `POST /v1/users/{user}/identities` */
export const LinkIdentityRequest = z.strictObject({
  provider: IdentityProvider,
  /** A GitHub login (`octocat`) or a Slack user as `<team id>:<user id>` (`T0001:U0002`). */
  external_id: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be a GitHub login or a Slack `<team id>:<user id>`'),
});
export type LinkIdentityRequest = z.infer<typeof LinkIdentityRequest>;

export const LinkedIdentity = z.object({
  provider: IdentityProvider,
  external_id: z.string(),
  user_id: z.string(),
  created_at: z.string(),
});
export type LinkedIdentity = z.infer<typeof LinkedIdentity>;
