import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../ops/errors.ts';
import { validationError } from './errors.ts';

/** Reads and validates a JSON body: 415 when not JSON, 400 naming each bad field. */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as JSON with Content-Type: application/json.',
    );
  }
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION_ERROR', `The body is not valid JSON: ${(err as Error).message}`, {
      details: [{ field: '(body)', message: 'not valid JSON' }],
    });
  }
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
    if (typeof out === 'string' || typeof out === 'number') return String(out);
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
