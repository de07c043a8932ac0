import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** Why a JWT was refused, worded like GitHub's 401 messages. */
export type JwtResult = { ok: true; issuer: string } | { ok: false; message: string };

/** GitHub refuses app JWTs that live longer than ten minutes. */
const MAX_LIFETIME_SECONDS = 600;
/** Clock drift tolerated on `iat`, as GitHub's docs advise clients to backdate it by 60 s. */
const SKEW_SECONDS = 60;

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a bearer credential is shaped like a JWT (three base64url segments) rather than a token. */
export function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

/** The public half of an app's private key, for verifying its JWTs. */
export function appPublicKey(privateKeyPem: string): KeyObject {
  return createPublicKey(privateKeyPem);
}

/** Verifies an RS256 GitHub App JWT: signature, `iss` = the app id, and `iat`/`exp` bounds. */
export function verifyAppJwt(jwt: string, key: KeyObject, appId: number, nowSeconds: number): JwtResult {
  const [headerPart = '', payloadPart = '', signaturePart = ''] = jwt.split('.');
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (!header || !payload) return { ok: false, message: 'A JSON web token could not be decoded' };
  if (header.alg !== 'RS256') return { ok: false, message: 'A JSON web token could not be decoded' };
  let signed = false;
  try {
    signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      key,
      Buffer.from(signaturePart, 'base64url'),
    );
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, message: 'A JSON web token could not be decoded' };
  if (String(payload.iss) !== String(appId)) {
    return { ok: false, message: "'Issuer' claim ('iss') must be an Integer" };
  }
  const iat = typeof payload.iat === 'number' ? payload.iat : Number.NaN;
  const exp = typeof payload.exp === 'number' ? payload.exp : Number.NaN;
  if (!(exp > nowSeconds)) {
    return {
      ok: false,
      message:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    };
  }
  if (!(iat <= nowSeconds + SKEW_SECONDS)) {
    return {
      ok: false,
      message:
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    };
  }
  if (exp - iat > MAX_LIFETIME_SECONDS + SKEW_SECONDS) {
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
  }
  return { ok: true, issuer: String(payload.iss) };
}
