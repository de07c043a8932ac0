import type { Handler, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Db } from '../storage/db.ts';
import type { DashboardEnv } from './env.ts';
import { requireCsrf, requireSession, securityHeaders } from './security.ts';

/** What a dashboard form may post: 256 KB (a task description, a plan, a memory record). */
export const MAX_FORM_BYTES = 256 * 1024;

/**
 * Registers the dashboard's pages on explicit paths (never `*`: the API shares the app). Each gets
 * the security headers, a live session, and on POST a bounded body and the CSRF check.
 */
export interface DashboardRouter {
  get(path: string, handler: Handler<DashboardEnv>): void;
  post(path: string, handler: Handler<DashboardEnv>): void;
}

export function dashboardRouter(app: Hono<DashboardEnv>, db: Db): DashboardRouter {
  const headers = securityHeaders();
  const session = requireSession(db);
  const csrf = requireCsrf();
  const limit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) => c.text('The form is too large (256 KB at most).', 413),
  });
  return {
    get: (path, handler) => {
      app.get(path, headers, session, handler);
    },
    post: (path, handler) => {
      app.post(path, headers, limit, session, csrf, handler);
    },
  };
}
