import type { MiddlewareHandler } from 'hono';
import { AppError } from '../ops/errors.ts';
import { lazyChild } from '../ops/lazy-logger.ts';
import type { Db } from '../storage/db.ts';
import { authenticate } from '../store/api-key-store.ts';
import type { AppEnv } from './deps.ts';

/** `Authorization: Bearer <key>`; a missing, malformed, unknown or revoked key is 401. */
export function requireKey(db: Db): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      throw new AppError(
        'UNAUTHORIZED',
        'Missing API key: send Authorization: Bearer <key> (see `abca keys create`).',
        {
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m?.[1] ? await authenticate(db, m[1]) : undefined;
    if (!principal) {
      throw new AppError('UNAUTHORIZED', 'Invalid or revoked API key.', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    c.set('principal', principal);
    c.set('log', lazyChild(c.get('log'), { userId: principal.userId }));
    await next();
  };
}

export function requireAdmin(c: { get(k: 'principal'): { role: string } }): void {
  if (c.get('principal').role !== 'admin') throw new AppError('FORBIDDEN', 'This needs an admin API key.');
}
