import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../../api/deps.ts';
import { validationError } from '../../api/errors.ts';
import type { ChannelsConfig } from '../../config/channels-config.ts';
import { AppError } from '../../ops/errors.ts';
import { limitSource, readRawBody } from '../ingress.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { verifySlackSignature } from './signature.ts';

const WHY = {
  missing: 'The request has no X-Slack-Signature or X-Slack-Request-Timestamp.',
  malformed: 'X-Slack-Signature or X-Slack-Request-Timestamp is malformed.',
  stale:
    'X-Slack-Request-Timestamp is outside the accepted window; a request is accepted only once, soon after it is signed.',
  mismatch: 'X-Slack-Signature does not match the body and the signing secret.',
} as const;

/**
 * The raw body of a request signed by Slack: 404 CHANNEL_NOT_CONFIGURED when no signing secret is
 * set, 401 SIGNATURE_INVALID when the v0 signature or its timestamp does not hold. Nothing is
 * parsed or stored before this returns. Refused requests share one allowance a minute (the
 * `slack:unverified` source): past it, a flood of them is answered 429 and no longer logged.
 */
export async function readSlackRequest(
  c: Context<AppEnv>,
  config: Pick<ChannelsConfig, 'slack' | 'webhookToleranceS'>,
  limiter: RateLimiter,
): Promise<Uint8Array> {
  const secret = config.slack.signingSecret;
  if (!secret)
    throw new AppError(
      'CHANNEL_NOT_CONFIGURED',
      'Slack is not configured on this server (ABCA_SLACK_SIGNING_SECRET is not set).',
    );
  const body = await readRawBody(c);
  const check = verifySlackSignature({
    signingSecret: secret,
    timestamp: c.req.header('x-slack-request-timestamp'),
    signature: c.req.header('x-slack-signature'),
    body,
    toleranceS: config.webhookToleranceS,
  });
  if (!check.ok) {
    limitSource(limiter, 'slack:unverified');
    c.get('log').warn({ reason: check.reason }, 'slack request refused: bad signature');
    throw new AppError('SIGNATURE_INVALID', WHY[check.reason]);
  }
  return body;
}

/** A verified payload checked against its schema: 400 naming the fields that do not hold (api/errors.ts). */
export function parsePayload<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error);
}

/** A form-encoded verified body as its fields (the last of a repeated name wins). */
export function formFields(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}
