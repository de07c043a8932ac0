import { randomBytes } from 'node:crypto';
import type { WebhookScheme } from '@abca/contracts';

/** The prefix of a Standard Webhooks secret (`whsec_<base64 of the key bytes>`). */
export const STANDARD_SECRET_PREFIX = 'whsec_';

/**
 * A new secret for a webhook of `scheme`: for `standard`, `whsec_` and the base64 of 24 random bytes
 * (the Standard Webhooks format, what its libraries take as is); for `legacy`, 64 random hex
 * characters (the reference system's senders use the text itself as the HMAC key).
 */
export function newWebhookSecret(scheme: WebhookScheme): string {
  return scheme === 'standard'
    ? `${STANDARD_SECRET_PREFIX}${randomBytes(24).toString('base64')}`
    : randomBytes(32).toString('hex');
}

/**
 * The HMAC key of a secret: for `standard` the bytes its base64 holds (after `whsec_`), for
 * `legacy` the text's UTF-8 bytes.
 */
export function hmacKeyOf(scheme: WebhookScheme, secret: string): Buffer {
  if (scheme === 'legacy') return Buffer.from(secret, 'utf8');
  const b64 = secret.startsWith(STANDARD_SECRET_PREFIX)
    ? secret.slice(STANDARD_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(b64, 'base64');
}
