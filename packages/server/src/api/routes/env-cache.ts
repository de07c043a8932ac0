import { EnvCacheQuery } from '@abca/contracts';
import { Hono } from 'hono';
import type { EnvCacheAdmin } from '../../ports/env-cache.ts';
import { clearEnvCache, envCacheReport } from '../actions/env-cache-report.ts';
import { requireAdmin } from '../auth.ts';
import type { AppEnv } from '../deps.ts';
import { readQuery } from '../validate.ts';

/**
 * `GET /v1/admin/env-cache[?repo=]` lists the environment cache's snapshots on this host;
 * `DELETE /v1/admin/env-cache[?repo=]` removes them (docs/env-cache.md). Admin only: a snapshot
 * names repos and their setup commands, and clearing one makes the next tasks run setup again.
 */
export function envCacheRoutes(deps: { envCache: EnvCacheAdmin }) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    requireAdmin(c);
    const q = readQuery(c, EnvCacheQuery);
    return c.json({ data: await envCacheReport(deps.envCache, q) });
  });
  app.delete('/', async (c) => {
    requireAdmin(c);
    const q = readQuery(c, EnvCacheQuery);
    return c.json({ data: await clearEnvCache(deps.envCache, q) });
  });
  return app;
}
