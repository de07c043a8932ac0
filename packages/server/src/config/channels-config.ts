import { z } from 'zod';

const secret = (name: string) => z.string().min(16, `${name} must be at least 16 characters`).optional();
const userId = (name: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,100}$/, `${name} must name an ABCA user (letters, digits, _ . @ -)`)
    .optional();

/**
 * The channels' settings (docs/channels.md): the secrets that sign GitHub and Slack deliveries,
 * Slack's bot token, the users unlinked senders act as (none by default: they get a reply, no
 * task), and the limits every ingress shares. Secrets: never logged, never in a response.
 */
export const ChannelsConfigSchema = z.object({
  github: z.object({
    /** The GitHub App's (or repo webhook's) secret: `X-Hub-Signature-256` is checked with it. */
    webhookSecret: secret('ABCA_GITHUB_WEBHOOK_SECRET'),
    /** The bot's login: issues assigned to it start tasks, its own comments are ignored. */
    botLogin: z.string().min(1).max(100).default('abca[bot]'),
    /** The ABCA user an unlinked GitHub sender acts as; unset: unlinked senders get a reply, no task. */
    unlinkedUser: userId('ABCA_GITHUB_UNLINKED_USER'),
  }),
  slack: z.object({
    /** `xoxb-...`: the bot's token for Slack's Web API. */
    botToken: z.string().min(1).optional(),
    /** Slack's signing secret: every request's `X-Slack-Signature` (v0) is checked with it. */
    signingSecret: secret('ABCA_SLACK_SIGNING_SECRET'),
    /** Slack's Web API base URL (a fake on 127.0.0.1 in tests). */
    apiUrl: z
      .url('ABCA_SLACK_API_URL must be a URL such as https://slack.com/api/')
      .default('https://slack.com/api/'),
    /** The ABCA user an unlinked Slack user acts as; unset: unlinked users get a reply, no task. */
    unlinkedUser: userId('ABCA_SLACK_UNLINKED_USER'),
  }),
  /** Seconds a signed delivery's timestamp may be off (Standard Webhooks, Slack): older is refused. */
  webhookToleranceS: z.coerce
    .number({ error: 'ABCA_WEBHOOK_TOLERANCE_S must be a number of seconds' })
    .int('ABCA_WEBHOOK_TOLERANCE_S must be a whole number of seconds')
    .min(10, 'ABCA_WEBHOOK_TOLERANCE_S must be at least 10 seconds')
    .max(3600, 'ABCA_WEBHOOK_TOLERANCE_S must be at most 3600 seconds')
    .default(300),
  /** Deliveries a minute one source may send (a webhook, a GitHub installation, a Slack team); more: 429. */
  ratePerMinute: z.coerce
    .number({ error: 'ABCA_CHANNEL_RATE_PER_MINUTE must be a whole number' })
    .int('ABCA_CHANNEL_RATE_PER_MINUTE must be a whole number')
    .min(1, 'ABCA_CHANNEL_RATE_PER_MINUTE must be at least 1')
    .default(120),
  /**
   * Tests only: channel notices of GitHub and Slack tasks go to this fake "chat" server
   * (channels/fake-channel-notifier.ts) instead of the real channels. Unset in production.
   */
  fakeChannelUrl: z.url('ABCA_FAKE_CHANNEL_URL must be a URL such as http://127.0.0.1:4000').optional(),
});
export type ChannelsConfig = z.infer<typeof ChannelsConfigSchema>;

export const CHANNELS_ENV_NAMES: Record<string, string> = {
  'channels.github.webhookSecret': 'ABCA_GITHUB_WEBHOOK_SECRET',
  'channels.github.botLogin': 'ABCA_GITHUB_BOT_LOGIN',
  'channels.github.unlinkedUser': 'ABCA_GITHUB_UNLINKED_USER',
  'channels.slack.botToken': 'ABCA_SLACK_BOT_TOKEN',
  'channels.slack.signingSecret': 'ABCA_SLACK_SIGNING_SECRET',
  'channels.slack.apiUrl': 'ABCA_SLACK_API_URL',
  'channels.slack.unlinkedUser': 'ABCA_SLACK_UNLINKED_USER',
  'channels.webhookToleranceS': 'ABCA_WEBHOOK_TOLERANCE_S',
  'channels.ratePerMinute': 'ABCA_CHANNEL_RATE_PER_MINUTE',
  'channels.fakeChannelUrl': 'ABCA_FAKE_CHANNEL_URL',
};

/** The raw channel settings from an environment, for {@link ChannelsConfigSchema}. */
export function readChannelsEnv(get: (name: string) => string | undefined) {
  return {
    github: {
      webhookSecret: get('ABCA_GITHUB_WEBHOOK_SECRET'),
      botLogin: get('ABCA_GITHUB_BOT_LOGIN'),
      unlinkedUser: get('ABCA_GITHUB_UNLINKED_USER'),
    },
    slack: {
      botToken: get('ABCA_SLACK_BOT_TOKEN'),
      signingSecret: get('ABCA_SLACK_SIGNING_SECRET'),
      apiUrl: get('ABCA_SLACK_API_URL'),
      unlinkedUser: get('ABCA_SLACK_UNLINKED_USER'),
    },
    webhookToleranceS: get('ABCA_WEBHOOK_TOLERANCE_S'),
    ratePerMinute: get('ABCA_CHANNEL_RATE_PER_MINUTE'),
    fakeChannelUrl: get('ABCA_FAKE_CHANNEL_URL'),
  };
}
