import type { UsageQuery, UsageReport } from '@abca/contracts';
import { AppError } from '../../ops/errors.ts';
import type { Queryable } from '../../storage/db.ts';
import type { Principal } from '../../store/api-key-store.ts';
import { monthStart, nextMonthStart } from '../../store/monthly-budgets.ts';
import { usageByGroup } from '../../store/usage-store.ts';

/**
 * Tokens and dollars of the tasks created in a period (default: this calendar month, UTC), by repo,
 * user or task, whoever asks (`GET /v1/usage` and the dashboard's stats page). A member sees their
 * own tasks only; an admin sees all, or one user's with `user`.
 */
export async function usageReport(
  db: Queryable,
  principal: Principal,
  q: UsageQuery,
  now: Date = new Date(),
): Promise<UsageReport> {
  if (q.user && principal.role !== 'admin' && q.user !== principal.userId) {
    throw new AppError('FORBIDDEN', 'Only an admin can see the usage of another user.');
  }
  const from = q.from ?? (q.to ? monthStart(new Date(q.to.getTime() - 1)) : monthStart(now));
  const to = q.to ?? nextMonthStart(now);
  if (from >= to) {
    throw new AppError('VALIDATION_ERROR', 'Invalid request: query.to: must be after from', {
      details: [{ field: 'query.to', message: 'must be after from' }],
    });
  }
  const userId = principal.role === 'admin' ? q.user : principal.userId;
  const { groups, total } = await usageByGroup(db, {
    from,
    to,
    groupBy: q.group_by,
    ...(userId !== undefined ? { userId } : {}),
    ...(q.repo !== undefined ? { repo: q.repo } : {}),
  });
  return { from: from.toISOString(), to: to.toISOString(), group_by: q.group_by, groups, total };
}
