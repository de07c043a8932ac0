import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { legacyMessageId, legacySignatureMatches, parseLegacySignature } from './legacy-signature.ts';
import { checkStandardHeaders, standardSignature, standardSignatureMatches } from './standard-signature.ts';
import { hmacKeyOf, newWebhookSecret } from './webhook-secret.ts';

/**
 * The Standard Webhooks test vector published with the specification's reference library
 * (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function
 * works"): secret, message id, timestamp, payload and the signature they must give.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const TOLERANCE = 300;
const key = hmacKeyOf('standard', VECTOR.secret);
const body = Buffer.from(VECTOR.payload);

function check(headers: { id?: string; timestamp?: string; signature?: string }, nowS = VECTOR.timestamp) {
  return checkStandardHeaders(
    { id: headers.id, timestamp: headers.timestamp, signature: headers.signature },
    nowS,
    TOLERANCE,
  );
}
const good = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };

function verifies(headers: typeof good, payload: Uint8Array = body, nowS = VECTOR.timestamp): boolean {
  const c = check(headers, nowS);
  return c.ok && standardSignatureMatches(key, c, payload);
}

describe('Standard Webhooks signatures', () => {
  it('computes the published test vector', () => {
    expect(`v1,${standardSignature(key, VECTOR.id, VECTOR.timestamp, body).toString('base64')}`).toBe(
      VECTOR.signature,
    );
    expect(verifies(good)).toBe(true);
  });

  it('refuses a changed body, id, timestamp or secret', () => {
    expect(verifies(good, Buffer.from('{"test": 2432232315}'))).toBe(false);
    expect(verifies({ ...good, id: 'msg_p5jXN8AQM9LWM0D4loKWxJel' })).toBe(false);
    expect(verifies({ ...good, timestamp: String(VECTOR.timestamp + 1) }, body, VECTOR.timestamp)).toBe(
      false,
    );
    const c = check(good);
    expect(c.ok && standardSignatureMatches(randomBytes(24), c, body)).toBe(false);
  });

  it('accepts any one matching v1 signature among several, ignores other versions', () => {
    const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    expect(verifies({ ...good, signature: `${other} v2,abc ${VECTOR.signature} ${other}` })).toBe(true);
    expect(verifies({ ...good, signature: `${other} v2,${VECTOR.signature.slice(3)}` })).toBe(false);
  });

  it('refuses missing headers, a malformed timestamp or signature, and a timestamp outside the window', () => {
    expect(check({ ...good, id: undefined })).toMatchObject({ ok: false });
    expect(check({ ...good, timestamp: undefined })).toMatchObject({ ok: false });
    expect(check({ ...good, signature: undefined })).toMatchObject({ ok: false });
    expect(check({ ...good, timestamp: 'hello' })).toMatchObject({ ok: false });
    expect(check({ ...good, timestamp: '1614265330abc' })).toMatchObject({ ok: false });
    expect(check({ ...good, signature: 'v1,dawfeoifkpqwoekfpqoekf' })).toMatchObject({ ok: false });
    expect(check({ ...good, signature: VECTOR.signature.slice(0, 8) })).toMatchObject({ ok: false });
    expect(check({ ...good, signature: 'v1,' })).toMatchObject({ ok: false });
    expect(check({ ...good, id: 'has space' })).toMatchObject({ ok: false });
    expect(check(good, VECTOR.timestamp + TOLERANCE)).toMatchObject({ ok: true });
    expect(check(good, VECTOR.timestamp - TOLERANCE)).toMatchObject({ ok: true });
    expect(check(good, VECTOR.timestamp + TOLERANCE + 1)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/300 s/),
    });
    expect(check(good, VECTOR.timestamp - TOLERANCE - 1)).toMatchObject({ ok: false });
  });

  it('signs the raw bytes: a body that is not UTF-8 verifies only as sent', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const ts = VECTOR.timestamp;
    const sig = `v1,${standardSignature(key, VECTOR.id, ts, raw).toString('base64')}`;
    expect(verifies({ ...good, signature: sig }, raw)).toBe(true);
    // The same text after a UTF-8 round trip (U+FFFD for each bad byte) is other bytes.
    expect(verifies({ ...good, signature: sig }, Buffer.from(raw.toString('utf8')))).toBe(false);
  });

  it('agrees with the standardwebhooks package both ways, with a secret of ours', () => {
    const secret = newWebhookSecret('standard');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(hmacKeyOf('standard', secret)).toHaveLength(24);
    const wh = new Webhook(secret);
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({ repo: 'acme/app', task_description: 'Fix ✓ the build' });
    const signature = wh.sign('msg_1', new Date(now * 1000), payload);
    const c = checkStandardHeaders({ id: 'msg_1', timestamp: String(now), signature }, now, TOLERANCE);
    expect(c.ok && standardSignatureMatches(hmacKeyOf('standard', secret), c, Buffer.from(payload))).toBe(
      true,
    );
    const ours = `v1,${standardSignature(hmacKeyOf('standard', secret), 'msg_2', now, Buffer.from(payload)).toString('base64')}`;
    expect(() =>
      wh.verify(payload, {
        'webhook-id': 'msg_2',
        'webhook-timestamp': String(now),
        'webhook-signature': ours,
      }),
    ).not.toThrow();
  });
});

describe('the legacy signature (X-Webhook-Signature: sha256=<hex>)', () => {
  // Computed by hand: printf '%s' '{"repo":"acme/app","task_description":"x"}' |
  //   openssl dgst -sha256 -hmac 'legacy-secret-0123456789'
  const SECRET = 'legacy-secret-0123456789';
  const BODY = Buffer.from('{"repo":"acme/app","task_description":"x"}');
  const HEX = '130390679406e1938fe185b813464e185a297753ad4c070d207aba53c198fab9';

  it('verifies the hand-computed HMAC over the raw bytes, and nothing else', () => {
    const expected = createHmac('sha256', SECRET).update(BODY).digest('hex');
    expect(HEX).toBe(expected);
    const k = hmacKeyOf('legacy', SECRET);
    const sent = parseLegacySignature(`sha256=${HEX}`);
    expect(sent).toBeDefined();
    expect(legacySignatureMatches(k, sent as Buffer, BODY)).toBe(true);
    expect(
      legacySignatureMatches(k, parseLegacySignature(`sha256=${HEX.toUpperCase()}`) as Buffer, BODY),
    ).toBe(true);
    expect(legacySignatureMatches(k, sent as Buffer, Buffer.concat([BODY, Buffer.from(' ')]))).toBe(false);
    expect(legacySignatureMatches(hmacKeyOf('legacy', `${SECRET}x`), sent as Buffer, BODY)).toBe(false);
  });

  it('refuses a missing or malformed header', () => {
    expect(parseLegacySignature(undefined)).toBeUndefined();
    expect(parseLegacySignature(HEX)).toBeUndefined();
    expect(parseLegacySignature(`sha1=${HEX}`)).toBeUndefined();
    expect(parseLegacySignature(`sha256=${HEX.slice(2)}`)).toBeUndefined();
    expect(parseLegacySignature('sha256=zz')).toBeUndefined();
  });

  it('names a delivery by its body: the same bytes are the same message', () => {
    expect(legacyMessageId(BODY)).toBe(legacyMessageId(Buffer.from(BODY)));
    expect(legacyMessageId(BODY)).not.toBe(legacyMessageId(Buffer.concat([BODY, Buffer.from('\n')])));
    expect(newWebhookSecret('legacy')).toMatch(/^[0-9a-f]{64}$/);
  });
});
