import type { Queryable } from '../../storage/db.ts';

/** The hosts the task's sandbox refused to reach (with why), for the PR body; at most 50. */
export async function blockedHosts(db: Queryable, taskId: string): Promise<string[]> {
  const res = await db.query<{ host: string }>(
    `SELECT DISTINCT concat(data->>'host', coalesce(' (' || replace(data->>'reason', '_', ' ') || ')', '')) AS host
     FROM task_events WHERE task_id = $1 AND type = 'sandbox.egress_blocked' LIMIT 50`,
    [taskId],
  );
  return res.rows.map((r) => r.host);
}
