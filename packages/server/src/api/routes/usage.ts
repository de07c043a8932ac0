import { UsageQuery, type UsageReport } from '@abca/contracts';
import { Hono } from 'hono';
import { AppError } from '../../ops/errors.ts';
import { monthStart, nextMonthStart } from '../../store/monthly-budgets.ts';
import { usageByGroup } from '../../store/usage-store.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readQuery } from '../validate.ts';

/**
 * `GET /v1/usage`: tokens and dollars of the tasks created in a period (default: this calendar
 * month, UTC), by repo, user or task. A member sees their own tasks only; an admin sees all, or one
 * user's with `user`.
 */
export function usageRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = c.get('principal');
    const q = readQuery(c, UsageQuery);
    if (q.user && principal.role !== 'admin' && q.user !== principal.userId) {
      throw new AppError('FORBIDDEN', 'Only an admin can see the usage of another user.');
    }
    const now = new Date();
    const from = q.from ?? (q.to ? monthStart(new Date(q.to.getTime() - 1)) : monthStart(now));
    const to = q.to ?? nextMonthStart(now);
    if (from >= to) {
      throw new AppError('VALIDATION_ERROR', 'Invalid request: query.to: must be after from', {
        details: [{ field: 'query.to', message: 'must be after from' }],
      });
    }
    const userId = principal.role === 'admin' ? q.user : principal.userId;
    const { groups, total } = await usageByGroup(deps.db, {
      from,
      to,
      groupBy: q.group_by,
      ...(userId !== undefined ? { userId } : {}),
      ...(q.repo !== undefined ? { repo: q.repo } : {}),
    });
    const report: UsageReport = {
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: q.group_by,
      groups,
      total,
    };
    return c.json({ data: report });
  });
  return app;
}
