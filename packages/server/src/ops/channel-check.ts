import type { ChannelCheck } from '@abca/contracts';
import { createSlackClient } from '../channels/slack/client.ts';
import type { ChannelsConfig } from '../config/channels-config.ts';
import type { Logger } from './logger.ts';

const TIMEOUT_MS = 10_000;

/** What Slack's well-known `auth.test` errors mean for an operator. */
const SLACK_REMEDIES: Record<string, string> = {
  invalid_auth:
    "ABCA_SLACK_BOT_TOKEN is not a valid token: set it to the app's Bot User OAuth Token (xoxb-...)",
  not_authed:
    "ABCA_SLACK_BOT_TOKEN is not a valid token: set it to the app's Bot User OAuth Token (xoxb-...)",
  account_inactive:
    'the token was revoked or the app uninstalled: reinstall the Slack app and set the new bot token',
  token_revoked: 'the token was revoked: reinstall the Slack app and set the new bot token',
};

/**
 * Asks each configured channel's service who ABCA is there, so `abca doctor` finds a wrong token
 * before a task's answers start failing in the outbox. Never throws; never returns a token.
 */
export async function checkChannels(channels: ChannelsConfig, log: Logger): Promise<ChannelCheck[]> {
  return [await checkSlack(channels, log)];
}

async function checkSlack(channels: ChannelsConfig, log: Logger): Promise<ChannelCheck> {
  const { botToken, apiUrl } = channels.slack;
  if (!botToken)
    return {
      channel: 'slack',
      status: 'not_configured',
      detail: 'ABCA_SLACK_BOT_TOKEN is not set',
      latency_ms: null,
    };
  const started = performance.now();
  try {
    const me = await createSlackClient({ token: botToken, apiUrl, log, timeoutMs: TIMEOUT_MS }).auth.test();
    return {
      channel: 'slack',
      status: 'ok',
      detail: `team ${me.team ?? me.team_id ?? '?'}, bot @${me.user ?? me.user_id ?? '?'} (${apiUrl})`,
      latency_ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    const slackError = typeof code === 'string' ? code : undefined;
    const message = slackError ?? (err as Error).message.replaceAll(botToken, '[redacted]');
    return {
      channel: 'slack',
      status: 'failed',
      detail: `Slack's auth.test at ${apiUrl} failed: ${message}`,
      latency_ms: Math.round(performance.now() - started),
      remedy:
        (slackError && SLACK_REMEDIES[slackError]) ??
        `check that the server reaches ${apiUrl} (ABCA_SLACK_API_URL) and that ABCA_SLACK_BOT_TOKEN is the app's bot token`,
    };
  }
}
