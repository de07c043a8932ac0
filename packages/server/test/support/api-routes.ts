import { createApp } from '../../src/api/app.ts';
import type { ApiDeps } from '../../src/api/deps.ts';
import type { Config } from '../../src/config/config.ts';

/**
 * Every route the API serves, read from the app itself (so a route added tomorrow is walked and
 * fuzzed without editing a list). The app is only built, never served: its dependencies are not
 * touched until a request comes.
 */
export function apiRoutes(config: Config): { method: string; path: string }[] {
  const unused = new Proxy({}, { get: () => () => undefined });
  const deps = {
    db: unused,
    log: unused,
    metrics: unused,
    orchestrator: unused,
    events: unused,
    credentials: unused,
    config,
    ready: async () => true,
  } as unknown as ApiDeps & { ready(): Promise<boolean> };
  const seen = new Set<string>();
  const routes: { method: string; path: string }[] = [];
  for (const r of createApp(deps).routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: r.method, path: r.path });
  }
  return routes;
}
