import { Hono } from 'hono';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';

/**
 * What an admin (and `abca doctor`) needs to judge the server: `GET /config` is the effective
 * configuration without secrets; `POST /model-check` sends the configured model a one-token request.
 */
export function adminRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/config', async (c) => {
    requireAdmin(c);
    return c.json({ data: await deps.admin.config() });
  });
  app.post('/model-check', async (c) => {
    requireAdmin(c);
    return c.json({ data: await deps.admin.checkModel() });
  });
  return app;
}
