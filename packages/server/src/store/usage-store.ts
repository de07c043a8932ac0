import type { UsageGroup, UsageGroupBy, UsageTotals } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';

const KEY_COLUMN: Record<UsageGroupBy, string> = { repo: 'repo', user: 'user_id', task: 'task_id' };

/**
 * Usage of the tasks created in [from, to), grouped by repo, user or task, largest cost first.
 * `userId` / `repo` narrow the tasks (a member's own, one repo).
 */
export async function usageByGroup(
  db: Queryable,
  q: { from: Date; to: Date; groupBy: UsageGroupBy; userId?: string; repo?: string },
): Promise<{ groups: UsageGroup[]; total: UsageTotals }> {
  const args: unknown[] = [q.from, q.to];
  const where = ['created_at >= $1', 'created_at < $2'];
  if (q.userId !== undefined) {
    args.push(q.userId);
    where.push(`user_id = $${args.length}`);
  }
  if (q.repo !== undefined) {
    args.push(q.repo);
    where.push(`repo = $${args.length}`);
  }
  const sums = `count(*)::int AS tasks,
            (count(*) FILTER (WHERE priced = false))::int AS unpriced_tasks,
            COALESCE(sum(input_tokens), 0)::float8 AS input_tokens,
            COALESCE(sum(output_tokens), 0)::float8 AS output_tokens,
            COALESCE(sum(cost_usd), 0)::float8 AS cost_usd`;
  // Groups are capped (a month of tasks by task can be long); the total is over every task.
  const grouped = await db.query<SumRow & { key: string }>(
    `SELECT ${KEY_COLUMN[q.groupBy]} AS key, ${sums} FROM tasks WHERE ${where.join(' AND ')}
     GROUP BY 1 ORDER BY cost_usd DESC, key LIMIT ${MAX_GROUPS}`,
    args,
  );
  const total = await db.query<SumRow>(`SELECT ${sums} FROM tasks WHERE ${where.join(' AND ')}`, args);
  return {
    groups: grouped.rows.map((r) => ({ key: r.key, ...totals(r) })),
    total: totals(
      total.rows[0] ?? { tasks: 0, unpriced_tasks: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    ),
  };
}

/** Most groups one report lists. */
export const MAX_GROUPS = 1000;

interface SumRow {
  tasks: number;
  unpriced_tasks: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

function totals(r: SumRow): UsageTotals {
  return {
    tasks: Number(r.tasks),
    unpriced_tasks: Number(r.unpriced_tasks),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cost_usd: round6(Number(r.cost_usd)),
  };
}

/** Dollars to the micro-dollar, as stored: sums of floats must not print as 0.30000000000000004. */
function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
