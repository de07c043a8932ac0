import type { ServerConfigInfo } from '@abca/contracts';
import type { CheckResult } from './check.ts';

/**
 * The server's GitHub channel (docs/channels.md "GitHub"): off without a webhook secret; broken
 * with a secret but no GitHub token or App (senders cannot be checked, nothing can be answered).
 */
export function githubChannelResult(
  config: ServerConfigInfo,
  serverUrl: string,
): Omit<CheckResult, 'where'> | undefined {
  const gh = config.channels.github;
  if (!gh) return undefined;
  const name = 'channel: github';
  if (!gh.webhook_secret_set)
    return {
      name,
      status: 'ok',
      detail: 'not configured (no ABCA_GITHUB_WEBHOOK_SECRET): POST /webhooks/github answers 404',
    };
  if (!gh.api_configured)
    return {
      name,
      status: 'fail',
      detail:
        'ABCA_GITHUB_WEBHOOK_SECRET is set but no GitHub token or App: deliveries cannot check their sender or be answered',
      fix: 'set ABCA_GITHUB_TOKEN, or ABCA_GITHUB_APP_ID and ABCA_GITHUB_APP_PRIVATE_KEY, on the server',
    };
  return {
    name,
    status: 'ok',
    detail: [
      `deliveries to ${serverUrl.replace(/\/+$/, '')}/webhooks/github`,
      `bot ${gh.bot_login}`,
      gh.unlinked_user
        ? `unlinked senders act as ${gh.unlinked_user}`
        : 'unlinked senders get a reply saying how to link',
    ].join('; '),
  };
}
