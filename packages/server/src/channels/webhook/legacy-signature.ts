import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The reference system's webhook signature, kept so its existing senders work: `X-Webhook-Id` names
 * the webhook, `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. Nothing in it is a
 * timestamp or a message id, so a captured request stays valid for ever: replays are refused only
 * because the platform remembers each body it accepted (see {@link legacyMessageId}).
 */
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** The sent signature's bytes; undefined when the header is missing or not `sha256=<64 hex>`. */
export function parseLegacySignature(header: string | undefined): Buffer | undefined {
  const m = header === undefined ? null : SIGNATURE.exec(header.trim());
  return m?.[1] ? Buffer.from(m[1], 'hex') : undefined;
}

export function legacySignature(key: Buffer, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

/** Whether the sent signature is the body's, compared in constant time. */
export function legacySignatureMatches(key: Buffer, sent: Buffer, body: Uint8Array): boolean {
  const expected = legacySignature(key, body);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/**
 * A legacy delivery has no message id: its body's SHA-256 stands for one, so the same bytes sent
 * again are a replay (and a sender that means a second, identical task must change the body).
 */
export function legacyMessageId(body: Uint8Array): string {
  return `sha256-${createHash('sha256').update(body).digest('hex')}`;
}
