import type { Queryable } from '../storage/db.ts';

/** The first instant of `at`'s calendar month, UTC. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** The first instant of the calendar month after `at`'s, UTC. */
export function nextMonthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** `2026-12`: the calendar month (UTC) of `at`. */
export function monthName(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/**
 * Dollars spent by the tasks of a user or a repo created in `at`'s calendar month (UTC). A task
 * counts in the month it was created, whenever it ran; an unpriced task adds nothing.
 */
export async function spentThisMonth(
  db: Queryable,
  who: { userId: string } | { repo: string },
  at: Date,
): Promise<number> {
  const [column, value] = 'userId' in who ? ['user_id', who.userId] : ['repo', who.repo];
  const res = await db.query<{ spent: number | null }>(
    `SELECT COALESCE(sum(cost_usd), 0)::float8 AS spent FROM tasks
     WHERE ${column} = $1 AND created_at >= $2 AND created_at < $3`,
    [value, monthStart(at), nextMonthStart(at)],
  );
  return Number(res.rows[0]?.spent ?? 0);
}

export async function getUserMonthlyBudget(
  db: Queryable,
  userId: string,
): Promise<number | null | undefined> {
  const res = await db.query<{ monthly_budget_usd: number | null }>(
    'SELECT monthly_budget_usd FROM users WHERE user_id = $1',
    [userId],
  );
  return res.rows[0] ? res.rows[0].monthly_budget_usd : undefined;
}

/** Sets (or with null removes) a user's monthly budget; false when there is no such user. */
export async function setUserMonthlyBudget(
  db: Queryable,
  userId: string,
  usd: number | null,
): Promise<boolean> {
  const res = await db.query('UPDATE users SET monthly_budget_usd = $2 WHERE user_id = $1', [userId, usd]);
  return (res.rowCount ?? 0) > 0;
}

/** A monthly budget that is spent: whose, how much, and the sentence that says how to go on. */
export interface SpentBudget {
  scope: 'user' | 'repo';
  name: string;
  budgetUsd: number;
  spentUsd: number;
  message: string;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/**
 * The first monthly budget (the user's, then the repo's) whose month's spend has reached it, or
 * `undefined` when a new task of `userId` on `repo` may start. Spend reaching the budget exactly
 * counts as spent: the next task could only go over it.
 */
export async function spentMonthlyBudget(
  db: Queryable,
  input: { userId: string; repo: string; repoBudgetUsd: number | undefined },
  at: Date,
): Promise<SpentBudget | undefined> {
  const month = monthName(at);
  const next = nextMonthStart(at).toISOString().slice(0, 10);
  const userBudget = await getUserMonthlyBudget(db, input.userId);
  if (userBudget != null) {
    const spent = await spentThisMonth(db, { userId: input.userId }, at);
    if (spent >= userBudget) {
      return {
        scope: 'user',
        name: input.userId,
        budgetUsd: userBudget,
        spentUsd: spent,
        message:
          `User ${input.userId} spent ${usd(spent)} of a ${usd(userBudget)} monthly budget in ${month} (UTC): ` +
          `no new task until ${next}, unless an admin raises it (\`abca budget set ${input.userId} <usd>\`).`,
      };
    }
  }
  if (input.repoBudgetUsd !== undefined) {
    const spent = await spentThisMonth(db, { repo: input.repo }, at);
    if (spent >= input.repoBudgetUsd) {
      return {
        scope: 'repo',
        name: input.repo,
        budgetUsd: input.repoBudgetUsd,
        spentUsd: spent,
        message:
          `Repository ${input.repo} spent ${usd(spent)} of a ${usd(input.repoBudgetUsd)} monthly budget in ${month} (UTC): ` +
          `no new task until ${next}, unless an admin raises it (\`abca repos update ${input.repo} --monthly-budget-usd <usd>\`).`,
      };
    }
  }
  return undefined;
}
