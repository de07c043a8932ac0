import { RepoSettings } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';
import {
  monthSpendSql,
  monthStart,
  nextMonthStart,
  type SpentBudget,
  spentBudgetOf,
} from './monthly-budgets.ts';

/** What a new task needs to know before it is stored: its repo's settings and the budgets' verdict. */
export interface CreationContext {
  settings: RepoSettings;
  /** The monthly budget (the user's, then the repo's) already spent; undefined: the task may start. */
  spent: SpentBudget | undefined;
}

/**
 * The repo's settings and the monthly budgets of the user and the repo with this month's spend, in
 * one read (a creation used to make four). Undefined when the repo is not onboarded. The spend is
 * summed only for a budget that exists.
 */
export async function readCreationContext(
  db: Queryable,
  input: { userId: string; repo: string },
  at: Date,
): Promise<CreationContext | undefined> {
  const res = await db.query<{
    settings: unknown;
    user_budget: number | null;
    user_spent: number | null;
    repo_spent: number | null;
  }>({
    name: 'abca_creation_context',
    text: `SELECT r.settings, u.monthly_budget_usd AS user_budget,
       CASE WHEN u.monthly_budget_usd IS NOT NULL THEN ${monthSpendSql('user_id', 1, 3, 4)} END AS user_spent,
       CASE WHEN jsonb_typeof(r.settings->'monthly_budget_usd') = 'number'
         THEN ${monthSpendSql('repo', 2, 3, 4)} END AS repo_spent
     FROM repos r LEFT JOIN users u ON u.user_id = $1 WHERE r.repo = $2`,
    values: [input.userId, input.repo, monthStart(at), nextMonthStart(at)],
  });
  const row = res.rows[0];
  if (!row) return undefined;
  const settings = RepoSettings.parse(row.settings);
  const spent = spentBudgetOf(
    input,
    {
      userBudgetUsd: row.user_budget,
      userSpentUsd: Number(row.user_spent ?? 0),
      repoBudgetUsd: settings.monthly_budget_usd,
      repoSpentUsd: Number(row.repo_spent ?? 0),
    },
    at,
  );
  return { settings, spent };
}
