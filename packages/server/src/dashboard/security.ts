import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Db } from '../storage/db.ts';
import type { DashboardEnv } from './env.ts';
import { readSession } from './session-store.ts';

export const SESSION_COOKIE = 'abca_session';

/**
 * The strict Content Security Policy of every dashboard page: scripts and styles only from the
 * dashboard's own files (no inline script, no `eval`), no plugins, no framing, forms post only
 * here. A task's text shown on a page is escaped as well; this is the second wall.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Security headers on every dashboard response. */
export function securityHeaders(): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
  };
}

/**
 * Every page but sign-in needs a live session (cookie → session → the key's user). Without one, a
 * page redirects to `/login` (saying why when the session had expired); a form post or a live
 * stream answers 401.
 */
export function requireSession(db: Db): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    const session = id ? await readSession(db, id) : undefined;
    if (!session) {
      if (c.req.method === 'GET' && !c.req.path.endsWith('/live')) {
        const next = encodeURIComponent(c.req.path);
        return c.redirect(`/login?next=${next}${id ? '&expired=1' : ''}`, 303);
      }
      return c.text('Your session has ended: sign in again.', 401);
    }
    c.set('session', session);
    c.set('principal', session.principal);
    await next();
  };
}

/**
 * CSRF: every POST carries the session's token (form field `_csrf`, or the `X-CSRF-Token` header),
 * compared in constant time, and, when the browser sends an Origin, it must be this server's. The
 * session cookie is SameSite=Strict as well.
 */
export function requireCsrf(): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) {
      return c.text('Forbidden: this form was posted from another site.', 403);
    }
    const sent = c.req.header('x-csrf-token') ?? (await formField(c, '_csrf'));
    if (!sent || !sameToken(sent, c.get('session').csrfToken)) {
      return c.text('Forbidden: the form has no valid CSRF token. Reload the page and try again.', 403);
    }
    await next();
  };
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A field of a urlencoded or multipart form (parsed once; later reads get the same body). */
export async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    return undefined;
  }
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}
