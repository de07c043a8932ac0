import type { ServerConfigInfo } from '@abca/contracts';
import type { CheckResult } from './check.ts';

/**
 * The server's Slack channel (docs/channels.md), from its configuration: not configured, ready,
 * or half configured (a signing secret without a bot token makes tasks nobody hears of in Slack;
 * a token without the secret refuses every request). Nothing when the server does not say.
 */
export function slackResult(config: ServerConfigInfo): Omit<CheckResult, 'where'> | undefined {
  const slack = config.channels.slack;
  if (!slack) return undefined;
  const name = 'channel: slack';
  if (!slack.signing_secret_set && !slack.bot_token_set)
    return {
      name,
      status: 'ok',
      detail: 'not configured (no ABCA_SLACK_SIGNING_SECRET or ABCA_SLACK_BOT_TOKEN)',
    };
  if (!slack.signing_secret_set)
    return {
      name,
      status: 'fail',
      detail:
        'ABCA_SLACK_BOT_TOKEN is set but ABCA_SLACK_SIGNING_SECRET is not: /webhooks/slack/* answers 404',
      fix: "set ABCA_SLACK_SIGNING_SECRET on the server to the Slack app's signing secret (Basic Information)",
    };
  if (!slack.bot_token_set)
    return {
      name,
      status: 'fail',
      detail:
        'ABCA_SLACK_SIGNING_SECRET is set but ABCA_SLACK_BOT_TOKEN is not: mentions make tasks but ABCA cannot answer in Slack',
      fix: "set ABCA_SLACK_BOT_TOKEN on the server to the app's Bot User OAuth Token (xoxb-...)",
    };
  return {
    name,
    status: 'ok',
    detail: `configured (Web API ${slack.api_url}; unlinked Slack users ${slack.unlinked_user ? `act as ${slack.unlinked_user}` : 'get a reply, no task'})`,
  };
}
