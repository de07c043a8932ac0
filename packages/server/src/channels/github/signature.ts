import { createHmac, timingSafeEqual } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { decodeUtf8 } from '../../api/input-text.ts';

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Whether `header` (`X-Hub-Signature-256`) is GitHub's HMAC-SHA256 of exactly these bytes under
 * `secret`, compared in constant time (`@octokit/webhooks-methods` `verify`). Nothing is parsed
 * before this holds. A body that is not UTF-8 (or empty), which `verify` cannot take as a string,
 * is checked over its raw bytes the same way, so it reaches the 400 it deserves only when signed.
 */
export async function verifyGitHubSignature(
  secret: string,
  bytes: Uint8Array,
  header: string | undefined,
): Promise<boolean> {
  if (!header || !SIGNATURE.test(header)) return false;
  const text = bytes.length > 0 ? decodeUtf8(bytes) : undefined;
  // A valid UTF-8 body encodes back to the same bytes; a BOM would not survive decoding.
  if (text !== undefined && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf))
    return verify(secret, text, header);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
