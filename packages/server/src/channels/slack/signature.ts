import { createHmac, timingSafeEqual } from 'node:crypto';

export type SlackSignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks Slack's v0 signature ("Verifying requests from Slack") over the raw bytes, before anything
 * is parsed: `X-Slack-Signature` must be `v0=` and the hex HMAC-SHA256, keyed with the signing
 * secret, of `v0:<X-Slack-Request-Timestamp>:<body>`, compared in constant time; the timestamp must
 * be within `toleranceS` of now (a captured request cannot be replayed later).
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Uint8Array;
  toleranceS: number;
  nowS?: number;
}): SlackSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const m = /^v0=([0-9a-f]{64})$/.exec(signature);
  if (!m?.[1]) return { ok: false, reason: 'malformed' };
  const now = input.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > input.toleranceS) return { ok: false, reason: 'stale' };
  const mac = createHmac('sha256', input.signingSecret);
  mac.update(`v0:${timestamp}:`);
  mac.update(input.body);
  const expected = mac.digest();
  const given = Buffer.from(m[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
