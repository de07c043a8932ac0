import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-signature` holds one or
 * more space-separated `v1,<base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`
 * (several while a sender rotates its secret); any one that matches is enough.
 *
 * Checked here rather than with the `standardwebhooks` package's `verify`, which is used by the
 * tests as an independent sender: its tolerance is fixed at 5 minutes (ours is
 * ABCA_WEBHOOK_TOLERANCE_S), it reads the body as a UTF-8 string (so bytes that are not UTF-8 are
 * replaced before they are signed: not the raw bytes), and it parses the body as JSON.
 */

/** The three headers, as sent (any may be missing). */
export interface StandardHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** A message id: printable ASCII without spaces, at most 200 characters (Svix sends `msg_<ksuid>`). */
const MESSAGE_ID = /^[\x21-\x7e]{1,200}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const V1 = /^v1,([A-Za-z0-9+/]{43}=)$/;
/** More candidate signatures than any rotation needs are not looked at. */
const MAX_SIGNATURES = 16;

export type HeaderCheck =
  | { ok: true; messageId: string; timestampS: number; signatures: Buffer[] }
  | { ok: false; reason: string };

/**
 * The headers' shapes and the timestamp's window, which need no secret (so an unknown webhook is
 * refused after them with the same answer as a wrong signature). `nowS`: seconds since the epoch.
 */
export function checkStandardHeaders(h: StandardHeaders, nowS: number, toleranceS: number): HeaderCheck {
  if (h.id === undefined || h.timestamp === undefined || h.signature === undefined)
    return { ok: false, reason: 'send the webhook-id, webhook-timestamp and webhook-signature headers' };
  if (!MESSAGE_ID.test(h.id))
    return { ok: false, reason: 'webhook-id must be 1-200 printable ASCII characters without spaces' };
  if (!TIMESTAMP.test(h.timestamp))
    return { ok: false, reason: 'webhook-timestamp must be the seconds since the Unix epoch' };
  const timestampS = Number(h.timestamp);
  if (Math.abs(nowS - timestampS) > toleranceS)
    return {
      ok: false,
      reason: `webhook-timestamp is more than ${toleranceS} s away from the server's clock: sign each delivery when it is sent`,
    };
  const signatures: Buffer[] = [];
  for (const part of h.signature.split(' ').slice(0, MAX_SIGNATURES)) {
    const m = V1.exec(part);
    if (m?.[1]) signatures.push(Buffer.from(m[1], 'base64'));
  }
  if (signatures.length === 0)
    return { ok: false, reason: 'webhook-signature holds no v1,<base64> signature' };
  return { ok: true, messageId: h.id, timestampS, signatures };
}

/** The v1 signature of a message, as bytes. */
export function standardSignature(
  key: Buffer,
  messageId: string,
  timestampS: number,
  body: Uint8Array,
): Buffer {
  return createHmac('sha256', key).update(`${messageId}.${timestampS}.`, 'utf8').update(body).digest();
}

/** Whether any of the sent signatures is the message's, compared in constant time. */
export function standardSignatureMatches(
  key: Buffer,
  checked: { messageId: string; timestampS: number; signatures: Buffer[] },
  body: Uint8Array,
): boolean {
  const expected = standardSignature(key, checked.messageId, checked.timestampS, body);
  let match = false;
  for (const sent of checked.signatures) {
    // Every candidate is compared (no early exit): the time does not say which one matched.
    if (sent.length === expected.length && timingSafeEqual(sent, expected)) match = true;
  }
  return match;
}
