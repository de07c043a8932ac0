import { SetUserBudgetRequest, type UserBudget, UserId } from '@abca/contracts';
import { Hono } from 'hono';
import { AppError } from '../../ops/errors.ts';
import type { Db } from '../../storage/db.ts';
import {
  getUserMonthlyBudget,
  monthName,
  setUserMonthlyBudget,
  spentThisMonth,
} from '../../store/monthly-budgets.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

async function budgetOf(db: Db, userId: string): Promise<UserBudget> {
  const budget = await getUserMonthlyBudget(db, userId);
  if (budget === undefined) throw new AppError('NOT_FOUND', `No user ${userId}.`);
  const now = new Date();
  return {
    user_id: userId,
    monthly_budget_usd: budget,
    month: monthName(now),
    spent_usd: Math.round((await spentThisMonth(db, { userId }, now)) * 1e6) / 1e6,
  };
}

/**
 * A user's monthly budget: `GET /v1/users/{id}/budget` (admin, or the user), `PUT` (admin) with
 * `{"monthly_budget_usd": 50}` or `null` to remove it. When the month's spend reaches it, the
 * user's new tasks get BUDGET_EXCEEDED.
 */
export function userBudgetRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/:user/budget', async (c) => {
    const principal = c.get('principal');
    const userId = readParam(c.req.param('user'), UserId, 'user_id');
    if (principal.role !== 'admin' && userId !== principal.userId) {
      throw new AppError('FORBIDDEN', "Only an admin can see another user's budget.");
    }
    return c.json({ data: await budgetOf(deps.db, userId) });
  });
  app.put('/:user/budget', async (c) => {
    if (c.get('principal').role !== 'admin') {
      throw new AppError('FORBIDDEN', 'Only an admin can set budgets.');
    }
    const userId = readParam(c.req.param('user'), UserId, 'user_id');
    const body = await readBody(c, SetUserBudgetRequest);
    if (!(await setUserMonthlyBudget(deps.db, userId, body.monthly_budget_usd))) {
      throw new AppError(
        'NOT_FOUND',
        `No user ${userId}: users come with their first API key (\`abca keys create\`).`,
      );
    }
    c.get('log').info({ userId, monthlyBudgetUsd: body.monthly_budget_usd }, 'user budget set');
    return c.json({ data: await budgetOf(deps.db, userId) });
  });
  return app;
}
