import type { Context } from 'hono';
import { clientGoneError } from '../api/client-gone.ts';
import type { AppEnv } from '../api/deps.ts';
import { decodeUtf8, findBadText } from '../api/input-text.ts';
import { AppError } from '../ops/errors.ts';
import type { RateLimiter } from './rate-limit.ts';

/**
 * The raw bytes of a channel's request (the body limit of app.ts holds): signatures are computed
 * over these exact bytes, and nothing is parsed before a signature holds.
 */
export async function readRawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
  } catch (err) {
    throw clientGoneError(c, err) ?? err;
  }
}

/** The UTF-8 text of a verified body: a 400 when it is not UTF-8 or holds what the database cannot store. */
export function verifiedText(bytes: Uint8Array): string {
  const text = decodeUtf8(bytes);
  if (text === undefined)
    throw new AppError('VALIDATION_ERROR', 'The body is not valid UTF-8.', {
      details: [{ field: '(body)', message: 'not valid UTF-8' }],
    });
  return text;
}

/**
 * A verified body as JSON: a 400 when it is not UTF-8, not JSON, or holds a NUL character or an
 * unpaired surrogate (the same rules as every `/v1` body, see api/input-guard.ts).
 */
export function parseVerifiedJson(bytes: Uint8Array): unknown {
  const text = verifiedText(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION_ERROR', `The body is not valid JSON: ${(err as Error).message}`, {
      details: [{ field: '(body)', message: 'not valid JSON' }],
    });
  }
  const bad = findBadText(value);
  if (bad)
    throw new AppError('VALIDATION_ERROR', `Invalid request: ${bad.field}: ${bad.message}`, {
      details: [bad],
    });
  return value;
}

/** Takes one delivery from `source`'s allowance: a 429 with `Retry-After` when it is spent. */
export function limitSource(limiter: RateLimiter, source: string): void {
  const taken = limiter.take(source);
  if (!taken.ok)
    throw new AppError(
      'RATE_LIMITED',
      `Too many deliveries from this source; retry in ${taken.retryAfterS} s.`,
      {
        headers: { 'Retry-After': String(taken.retryAfterS) },
      },
    );
}
