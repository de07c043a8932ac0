import { Hono } from 'hono';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';

/**
 * What an admin (and `abca doctor`) needs to judge the server: `GET /config` is the effective
 * configuration without secrets; `POST /model-check` sends the configured model a one-token request;
 * `POST /channel-check` asks each configured channel's service who ABCA is there.
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
  app.post('/channel-check', async (c) => {
    requireAdmin(c);
    return c.json({ data: { channels: await deps.admin.checkChannels() } });
  });
  return app;
}
