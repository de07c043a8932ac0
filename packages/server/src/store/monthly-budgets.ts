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

/** What decides whether a new task may start: the budgets and this month's spend against them. */
export interface BudgetFacts {
  /** The user's monthly budget; null or undefined: none. */
  userBudgetUsd: number | null | undefined;
  /** This month's spend of the user's tasks (read only when the user has a budget). */
  userSpentUsd: number;
  repoBudgetUsd: number | undefined;
  /** This month's spend of the repo's tasks (read only when the repo has a budget). */
  repoSpentUsd: number;
}

/**
 * The SQL of one month's spend, for `column` (`user_id` or `repo`) = `$who`, between `$from` and
 * `$to` (parameter numbers): what {@link spentThisMonth} reads, for a query that reads more.
 */
export function monthSpendSql(column: 'user_id' | 'repo', who: number, from: number, to: number): string {
  return `(SELECT COALESCE(sum(cost_usd), 0)::float8 FROM tasks
     WHERE ${column} = $${who} AND created_at >= $${from} AND created_at < $${to})`;
}

/**
 * The first monthly budget (the user's, then the repo's) whose month's spend has reached it, or
 * `undefined` when a new task of `userId` on `repo` may start. Spend reaching the budget exactly
 * counts as spent: the next task could only go over it.
 */
export function spentBudgetOf(
  input: { userId: string; repo: string },
  facts: BudgetFacts,
  at: Date,
): SpentBudget | undefined {
  const userBudget = facts.userBudgetUsd;
  if (userBudget != null && facts.userSpentUsd >= userBudget)
    return spentBudget('user', input.userId, userBudget, facts.userSpentUsd, at);
  if (facts.repoBudgetUsd !== undefined && facts.repoSpentUsd >= facts.repoBudgetUsd)
    return spentBudget('repo', input.repo, facts.repoBudgetUsd, facts.repoSpentUsd, at);
  return undefined;
}

/** A spent monthly budget of a user or a repo, with the sentence that says how to go on. */
export function spentBudget(
  scope: 'user' | 'repo',
  name: string,
  budgetUsd: number,
  spentUsd: number,
  at: Date,
): SpentBudget {
  const month = monthName(at);
  const next = nextMonthStart(at).toISOString().slice(0, 10);
  const who = scope === 'user' ? `User ${name}` : `Repository ${name}`;
  const raise =
    scope === 'user'
      ? `abca budget set ${name} <usd>`
      : `abca repos update ${name} --monthly-budget-usd <usd>`;
  return {
    scope,
    name,
    budgetUsd,
    spentUsd,
    message:
      `${who} spent ${usd(spentUsd)} of a ${usd(budgetUsd)} monthly budget in ${month} (UTC): ` +
      `no new task until ${next}, unless an admin raises it (\`${raise}\`).`,
  };
}

/** {@link spentBudgetOf} with its facts read in one query. */
export async function spentMonthlyBudget(
  db: Queryable,
  input: { userId: string; repo: string; repoBudgetUsd: number | undefined },
  at: Date,
): Promise<SpentBudget | undefined> {
  const res = await db.query<{
    user_budget: number | null;
    user_spent: number | null;
    repo_spent: number | null;
  }>(
    `SELECT u.monthly_budget_usd AS user_budget,
       CASE WHEN u.monthly_budget_usd IS NOT NULL THEN ${monthSpendSql('user_id', 1, 3, 4)} END AS user_spent,
       CASE WHEN $5::boolean THEN ${monthSpendSql('repo', 2, 3, 4)} END AS repo_spent
     FROM (SELECT 1) one LEFT JOIN users u ON u.user_id = $1`,
    [input.userId, input.repo, monthStart(at), nextMonthStart(at), input.repoBudgetUsd !== undefined],
  );
  const row = res.rows[0];
  return spentBudgetOf(
    input,
    {
      userBudgetUsd: row?.user_budget,
      userSpentUsd: Number(row?.user_spent ?? 0),
      repoBudgetUsd: input.repoBudgetUsd,
      repoSpentUsd: Number(row?.repo_spent ?? 0),
    },
    at,
  );
}
