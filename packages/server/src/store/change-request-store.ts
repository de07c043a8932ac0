import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';

/** A pull request of a plain-git repo, as ABCA keeps it. */
export const ChangeRequestRow = z.object({
  number: z.number(),
  repo: z.string(),
  task_id: z.string().nullable(),
  branch: z.string(),
  base: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  state: z.enum(['open', 'closed', 'merged']),
  base_commit: z.string().nullable(),
  head_commit: z.string().nullable(),
  commits: z.array(z.unknown()),
  diff: z.string(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type ChangeRequestRow = z.infer<typeof ChangeRequestRow>;

export function changeRequestView(r: ChangeRequestRow, opts: { withDiff: boolean }) {
  const { diff, created_at, updated_at, ...rest } = r;
  return {
    ...rest,
    created_at: created_at.toISOString(),
    updated_at: updated_at.toISOString(),
    diff_lines: diff ? diff.split('\n').length : 0,
    ...(opts.withDiff ? { diff } : {}),
  };
}

export async function listChangeRequestRows(
  db: Queryable,
  q: { repo?: string; taskId?: string; userId?: string; limit: number },
): Promise<ChangeRequestRow[]> {
  const res = await db.query(
    `SELECT c.* FROM change_requests c LEFT JOIN tasks t ON t.task_id = c.task_id
     WHERE ($1::text IS NULL OR c.repo = $1) AND ($2::text IS NULL OR c.task_id = $2) AND ($3::text IS NULL OR t.user_id = $3)
     ORDER BY c.number DESC LIMIT $4`,
    [q.repo ?? null, q.taskId ?? null, q.userId ?? null, q.limit],
  );
  return res.rows.map((r) => ChangeRequestRow.parse(r));
}

export async function getChangeRequestRow(db: Queryable, number: number): Promise<(ChangeRequestRow & { user_id: string | null }) | undefined> {
  const res = await db.query('SELECT c.*, t.user_id FROM change_requests c LEFT JOIN tasks t ON t.task_id = c.task_id WHERE c.number = $1', [number]);
  const row = res.rows[0] as ({ user_id: string | null } & Record<string, unknown>) | undefined;
  return row ? { ...ChangeRequestRow.parse(row), user_id: row.user_id } : undefined;
}
