import { UsageQuery } from '@abca/contracts';
import { Hono } from 'hono';
import { usageReport } from '../actions/usage-report.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readQuery } from '../validate.ts';

/**
 * `GET /v1/usage`: tokens and dollars of the tasks created in a period (default: this calendar
 * month, UTC), by repo, user or task. A member sees their own tasks only; an admin sees all, or one
 * user's with `user` (actions/usage-report.ts, shared with the dashboard).
 */
export function usageRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const q = readQuery(c, UsageQuery);
    return c.json({ data: await usageReport(deps.db, c.get('principal'), q) });
  });
  return app;
}
