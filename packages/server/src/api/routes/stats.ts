import { PrOutcomesQuery, PrStatsQuery } from '@abca/contracts';
import { Hono } from 'hono';
import { listOutcomes } from '../../pr-loop/outcomes.ts';
import { prStatsReport } from '../actions/pr-stats-report.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readQuery } from '../validate.ts';

/**
 * `GET /v1/stats` (the PR loop's figures, overall and per repo) and `GET /v1/stats/prs` (each ABCA
 * pull request's outcome). A member sees the PRs of their own tasks; an admin sees all.
 */
export function statsRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const q = readQuery(c, PrStatsQuery);
    return c.json({ data: await prStatsReport(deps.db, c.get('principal'), q) });
  });
  app.get('/prs', async (c) => {
    const principal = c.get('principal');
    const q = readQuery(c, PrOutcomesQuery);
    const prs = await listOutcomes(deps.db, {
      limit: q.limit,
      ...(q.repo ? { repo: q.repo } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(principal.role === 'admin' ? {} : { userId: principal.userId }),
    });
    return c.json({ data: prs });
  });
  return app;
}
