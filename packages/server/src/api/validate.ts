import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../ops/errors.ts';
import type { AppEnv } from './deps.ts';
import { validationError } from './errors.ts';
import { badText } from './input-text.ts';
import { JSON_CONTENT_TYPE, jsonBody } from './json-body.ts';

/**
 * Reads and validates a JSON body: 415 when not JSON, 400 naming each bad field. The bytes, the JSON
 * and the text in it were already checked by the input guard (json-body.ts).
 */
export async function readBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_CONTENT_TYPE.test(type)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as JSON with Content-Type: application/json.',
    );
  }
  const raw = await jsonBody(c);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AppError('VALIDATION_ERROR', 'The body must be a JSON object.', {
      details: [{ field: '(body)', message: 'must be a JSON object' }],
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error, 'query');
  return parsed.data;
}

export function readParam<T extends z.ZodType>(
  value: string | undefined,
  schema: T,
  field: string,
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_ERROR',
      `Invalid ${field}: ${parsed.error.issues[0]?.message ?? 'bad value'}`,
      {
        details: [{ field, message: parsed.error.issues[0]?.message ?? 'bad value' }],
      },
    );
  }
  return parsed.data;
}

/** Opaque pagination cursors: base64url of a small JSON object. */
export function encodeToken(v: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export function decodeToken(token: string | undefined, key: string): string | undefined {
  if (!token) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    const out = v[key];
    // The token came from the client: what it holds is input like any other.
    if (typeof out === 'string' && out.length <= 200 && !badText(out)) return out;
    if (typeof out === 'number' && Number.isSafeInteger(out)) return String(out);
  } catch {
    // fall through to the error below
  }
  throw new AppError(
    'VALIDATION_ERROR',
    'Invalid next_token: pass the value from the previous page unchanged.',
    {
      details: [{ field: 'query.next_token', message: 'not a token this API issued' }],
    },
  );
}

/** The largest value of the database's `integer` columns (event sequences, PR numbers). */
export const INT32_MAX = 2_147_483_647;

/**
 * An event sequence number from the client (a cursor, a query value or `Last-Event-ID`): a whole
 * number from 0 to {@link INT32_MAX}, else a 400 naming `field`. Undefined stays undefined.
 */
export function readSequence(value: string | number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > INT32_MAX) {
    throw new AppError(
      'VALIDATION_ERROR',
      `Invalid ${field}: must be an event sequence number (a whole number from 0 to ${INT32_MAX}).`,
      { details: [{ field, message: `must be a whole number from 0 to ${INT32_MAX}` }] },
    );
  }
  return n;
}
