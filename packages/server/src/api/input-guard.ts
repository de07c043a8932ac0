import type { MiddlewareHandler } from 'hono';
import { isMemoryImport, LINES_CONTENT_TYPE } from '../memory/memory-lines.ts';
import { AppError } from '../ops/errors.ts';
import type { AppEnv } from './deps.ts';
import { badText, decodePercent, printable } from './input-text.ts';
import { JSON_CONTENT_TYPE, jsonBody } from './json-body.ts';

/**
 * The one gate every `/v1` request passes before its route: whatever text a route can read (path
 * segments, query names and values, the JSON body) is checked here, so a new route is covered
 * without doing anything. Refused with a 400 naming the place:
 * - malformed percent-encoding in the path or the query;
 * - a NUL character or an unpaired surrogate anywhere (PostgreSQL cannot store them);
 * - a body that is not UTF-8 or not JSON (json-body.ts).
 * A body that is not JSON is a 415: the API reads JSON only. GET and HEAD bodies are never read.
 * Headers need nothing: Node's parser refuses NUL, CR and LF in them, and the rest is Latin-1.
 */
export function inputGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const q = url.indexOf('?', start);
    const hash = url.indexOf('#', start);
    const pathEnd = q >= 0 ? q : hash >= 0 ? hash : url.length;
    checkPath(url.slice(start, pathEnd));
    if (q >= 0) checkQuery(url.slice(q + 1, hash > q ? hash : url.length));
    const method = c.req.method;
    const type = c.req.header('content-type') ?? '';
    if (LINES_CONTENT_TYPE.test(type) && isMemoryImport(method, c.req.path)) {
      // JSON lines: its route reads them and checks each line as this guard checks a body
      // (UTF-8, JSON, text the database can store), naming the line (memory/memory-lines.ts).
    } else if (method !== 'GET' && method !== 'HEAD' && hasBody(c.req.raw.headers)) {
      if (!JSON_CONTENT_TYPE.test(type)) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the body as JSON with Content-Type: application/json (the API reads JSON only).',
        );
      }
      await jsonBody(c);
    }
    await next();
  };
}

function hasBody(headers: Headers): boolean {
  if (headers.has('transfer-encoding')) return true;
  const length = headers.get('content-length');
  return length !== null && length.trim() !== '0';
}

function refuse(field: string, message: string): never {
  throw new AppError('VALIDATION_ERROR', `Invalid request: ${field}: ${message}`, {
    details: [{ field, message }],
  });
}

function checkPath(path: string): void {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    const decoded = decodePercent(segment);
    if (decoded === undefined) refuse('path', `malformed percent-encoding in "${printable(segment)}"`);
    const why = badText(decoded);
    if (why) refuse('path', why);
  }
}

function checkQuery(query: string): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = (eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' ');
    const rawValue = eq >= 0 ? pair.slice(eq + 1).replace(/\+/g, ' ') : '';
    const name = decodePercent(rawName);
    if (name === undefined) refuse(`query.${printable(rawName)}`, 'malformed percent-encoding in the name');
    const nameWhy = badText(name);
    if (nameWhy) refuse(`query.${printable(name)}`, `its name ${nameWhy}`);
    const value = decodePercent(rawValue);
    if (value === undefined) refuse(`query.${printable(name)}`, 'malformed percent-encoding');
    const why = badText(value);
    if (why) refuse(`query.${printable(name)}`, why);
  }
}
