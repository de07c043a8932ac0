import type { Context } from 'hono';
import { AppError } from '../ops/errors.ts';
import { clientGoneError } from './client-gone.ts';
import type { AppEnv } from './deps.ts';
import { decodeUtf8, findBadText } from './input-text.ts';

/** The content types read as JSON: `application/json` and `application/<anything>+json`. */
export const JSON_CONTENT_TYPE = /^application\/(.+\+)?json\b/i;

/**
 * The request's body as parsed JSON (undefined when empty), read once per request and kept on the
 * context: the input guard reads it before any route, `readBody` takes it from there. Refuses, with
 * a 400 naming the place, bytes that are not UTF-8, text that is not JSON, and any key or string
 * the database cannot store (see input-text.ts).
 */
export async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const cached = c.get('jsonBody');
  if (cached) return cached.value;
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch (err) {
    throw clientGoneError(c, err) ?? err;
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    throw new AppError('VALIDATION_ERROR', 'The body is not valid UTF-8: send JSON encoded as UTF-8.', {
      details: [{ field: '(body)', message: 'not valid UTF-8' }],
    });
  }
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION_ERROR', `The body is not valid JSON: ${(err as Error).message}`, {
      details: [{ field: '(body)', message: 'not valid JSON' }],
    });
  }
  const bad = findBadText(value);
  if (bad) {
    throw new AppError('VALIDATION_ERROR', `Invalid request: ${bad.field}: ${bad.message}`, {
      details: [bad],
    });
  }
  c.set('jsonBody', { value });
  return value;
}
