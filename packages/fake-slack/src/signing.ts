import { createHmac } from 'node:crypto';

/**
 * Slack's v0 request signature ("Verifying requests from Slack"): `v0=` and the hex HMAC-SHA256,
 * keyed with the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>`.
 */
export function slackSignature(
  signingSecret: string,
  timestamp: string | number,
  body: string | Uint8Array,
): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/** The headers Slack sends with a signed request, for a body signed now (or at `timestamp`). */
export function signedHeaders(
  signingSecret: string,
  body: string | Uint8Array,
  opts: { timestamp?: number; contentType: string },
): Record<string, string> {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    'content-type': opts.contentType,
    'x-slack-request-timestamp': ts,
    'x-slack-signature': slackSignature(signingSecret, ts, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
}
