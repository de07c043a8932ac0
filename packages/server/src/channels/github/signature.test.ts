import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyGitHubSignature } from './signature.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const sign = (secret: string, bytes: Uint8Array) =>
  `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;

describe('X-Hub-Signature-256', () => {
  it("holds for GitHub's published test vector (docs: Validating webhook deliveries)", async () => {
    const secret = "It's a Secret to Everybody";
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(await verifyGitHubSignature(secret, enc('Hello, World!'), header)).toBe(true);
    expect(await verifyGitHubSignature(secret, enc('Hello, World?'), header)).toBe(false);
    expect(await verifyGitHubSignature('another secret', enc('Hello, World!'), header)).toBe(false);
  });

  it('refuses a missing, malformed, upper-case, sha1 or truncated signature', async () => {
    const secret = 'a-webhook-secret-0123456789';
    const body = enc('{"zen":"Keep it logically awesome."}');
    const good = sign(secret, body);
    expect(await verifyGitHubSignature(secret, body, good)).toBe(true);
    for (const bad of [
      undefined,
      '',
      good.slice(0, -1),
      good.toUpperCase(),
      good.replace('sha256=', 'sha1='),
      `${good} `,
      good.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    ])
      expect(await verifyGitHubSignature(secret, body, bad), String(bad)).toBe(false);
  });

  it('checks bodies that are not UTF-8, start with a BOM, or are empty over their exact bytes', async () => {
    const secret = 'a-webhook-secret-0123456789';
    for (const body of [
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      new Uint8Array(),
    ]) {
      expect(await verifyGitHubSignature(secret, body, sign(secret, body))).toBe(true);
      // The BOM-less text of a BOM body is a different body.
      expect(await verifyGitHubSignature(secret, body, sign(secret, enc('{}')))).toBe(false);
    }
  });
});
