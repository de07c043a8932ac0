import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appPublicKey, looksLikeJwt, verifyAppJwt } from './jwt.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const key = appPublicKey(pem);
const NOW = 1_800_000_000;

function sign(payload: Record<string, unknown>, alg = 'RS256'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const data = `${encode({ alg, typ: 'JWT' })}.${encode(payload)}`;
  return `${data}.${createSign('RSA-SHA256').update(data).sign(privateKey).toString('base64url')}`;
}

describe('verifyAppJwt', () => {
  it('accepts a JWT shaped as @octokit/auth-app makes it (iat backdated 30 s, 10 min lifetime)', () => {
    const jwt = sign({ iat: NOW - 30, exp: NOW + 570, iss: 7 });
    expect(looksLikeJwt(jwt)).toBe(true);
    expect(verifyAppJwt(jwt, key, 7, NOW)).toEqual({ ok: true, issuer: '7' });
  });

  it.each([
    ['another app', { iat: NOW, exp: NOW + 60, iss: 8 }, /Issuer/],
    ['an expired token', { iat: NOW - 700, exp: NOW - 100, iss: 7 }, /Expiration/],
    ['a lifetime over ten minutes', { iat: NOW, exp: NOW + 3600, iss: 7 }, /too far in the future/],
    ['an iat in the future', { iat: NOW + 300, exp: NOW + 600, iss: 7 }, /Issued at/],
  ])('refuses %s', (_name, payload, message) => {
    const result = verifyAppJwt(sign(payload), key, 7, NOW);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('refuses a tampered payload, another algorithm and garbage', () => {
    const [header, , signature] = sign({ iat: NOW, exp: NOW + 60, iss: 7 }).split('.');
    const forged = Buffer.from(JSON.stringify({ iat: NOW, exp: NOW + 60, iss: 8 })).toString('base64url');
    expect(verifyAppJwt(`${header}.${forged}.${signature}`, key, 8, NOW).ok).toBe(false);
    expect(verifyAppJwt(sign({ iat: NOW, exp: NOW + 60, iss: 7 }, 'HS256'), key, 7, NOW).ok).toBe(false);
    expect(verifyAppJwt('a.b.c', key, 7, NOW).ok).toBe(false);
    expect(looksLikeJwt('ghp_plainToken')).toBe(false);
  });
});
