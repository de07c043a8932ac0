import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySlackSignature } from './signature.ts';

// Slack's published example ("Verifying requests from Slack").
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: SECRET,
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
    body: new TextEncoder().encode(BODY),
    toleranceS: 300,
    nowS: Number(TIMESTAMP) + 10,
    ...over,
  });

describe('Slack v0 signatures', () => {
  it("accepts Slack's published example", () => {
    expect(check()).toEqual({ ok: true });
  });

  it('refuses a changed body, secret, timestamp or signature', () => {
    expect(check({ body: new TextEncoder().encode(`${BODY}x`) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ signingSecret: `${SECRET}x` })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ timestamp: '1531420619' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ signature: SIGNATURE.replace(/.$/, '4') })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp outside the window, either way, even with a right signature', () => {
    expect(check({ nowS: Number(TIMESTAMP) + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowS: Number(TIMESTAMP) - 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowS: Number(TIMESTAMP) + 300 })).toEqual({ ok: true });
  });

  it('refuses missing and malformed headers', () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ signature: SIGNATURE.replace('v0=', 'v1=') })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ signature: SIGNATURE.toUpperCase() })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ signature: SIGNATURE.slice(0, -2) })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ timestamp: '1531420618.5' })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('signs the raw bytes, not a decoded string', () => {
    const body = Uint8Array.from([0x7b, 0xff, 0x7d]); // not UTF-8
    const ts = '1700000000';
    const sig = `v0=${createHmac('sha256', SECRET)
      .update(Buffer.concat([Buffer.from(`v0:${ts}:`), body]))
      .digest('hex')}`;
    expect(check({ body, timestamp: ts, signature: sig, nowS: 1700000000 })).toEqual({ ok: true });
  });
});
