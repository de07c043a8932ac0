import type { Queryable } from '../../storage/db.ts';
import type { PrCost } from './pr-body.ts';

/**
 * What the tasks that worked on a PR's branch cost together: the task that opened it and its
 * iterations (reviews, which change nothing, are not counted).
 */
export async function prCost(db: Queryable, repo: string, branch: string): Promise<PrCost> {
  const res = await db.query<{
    tasks: number;
    turns: string | null;
    input: string | null;
    output: string | null;
    cost: number | null;
  }>(
    `SELECT count(*)::int AS tasks, sum(turns) AS turns, sum(input_tokens) AS input,
            sum(output_tokens) AS output, sum(cost_usd)::float8 AS cost
     FROM tasks WHERE repo = $1 AND branch_name = $2
       AND workflow_ref IN ('coding/new-task-v1', 'coding/pr-iteration-v1')`,
    [repo, branch],
  );
  const r = res.rows[0];
  return {
    tasks: r?.tasks ?? 0,
    turns: Number(r?.turns ?? 0),
    inputTokens: Number(r?.input ?? 0),
    outputTokens: Number(r?.output ?? 0),
    costUsd: Number(r?.cost ?? 0),
  };
}
