import type { Queryable } from '../storage/db.ts';
import type { WatchRow } from './watch-store.ts';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/** What the database knows of a watched PR's tasks: its iterations, their cost and commits. */
export interface PrTaskFacts {
  activeEnded: boolean;
  iterationTasks: number;
  spendUsd: number;
  abcaCommits: Set<string>;
}

/**
 * The PR's tasks: the one that opened it and every `coding/pr-iteration-v1` task on it (whoever
 * started it). Their `outcome.commits` are the commits ABCA made on the branch.
 */
export async function prTaskFacts(db: Queryable, w: WatchRow): Promise<PrTaskFacts> {
  const res = await db.query<{ task_id: string; status: string; cost_usd: number; shas: string[] | null }>(
    `SELECT task_id, status, cost_usd,
            (SELECT array_agg(c->>'sha') FROM jsonb_array_elements(
               CASE WHEN jsonb_typeof(outcome->'commits') = 'array' THEN outcome->'commits' ELSE '[]'::jsonb END) c) AS shas
       FROM tasks
      WHERE task_id = $1
         OR (repo = $2 AND pr_number = $3 AND workflow_ref = 'coding/pr-iteration-v1')`,
    [w.origin_task_id, w.repo, w.number],
  );
  const abcaCommits = new Set<string>();
  let spendUsd = 0;
  let iterationTasks = 0;
  let activeEnded = w.active_task_id === null;
  for (const r of res.rows) {
    spendUsd += Number(r.cost_usd);
    if (r.task_id !== w.origin_task_id) iterationTasks++;
    for (const sha of r.shas ?? []) if (sha) abcaCommits.add(sha);
    if (r.task_id === w.active_task_id && TERMINAL.includes(r.status)) activeEnded = true;
  }
  // An active task that is gone (deleted) has ended too.
  if (w.active_task_id && !res.rows.some((r) => r.task_id === w.active_task_id)) activeEnded = true;
  return { activeEnded, iterationTasks, spendUsd: Math.round(spendUsd * 1e6) / 1e6, abcaCommits };
}
