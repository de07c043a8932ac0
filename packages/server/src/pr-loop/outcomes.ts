import { PrOutcome, type PrOutcomeState } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';

/** Which outcomes a listing holds: a repo, a state, opened since, a user's own (a member). */
export interface OutcomeFilter {
  repo?: string;
  state?: PrOutcomeState;
  since?: Date;
  userId?: string;
  limit?: number;
  /** false: leave the review comments out (the figures do not need them). Default true. */
  comments?: boolean;
}

/** The review comments kept per pull request in a listing (the newest). */
const COMMENTS_PER_PR = 200;

/**
 * The outcome of every ABCA pull request matching the filter, newest first. Review cycles: the
 * reviews by people that requested changes or commented, plus the iterations the watcher started
 * on comments alone (docs/pr-loop.md).
 */
export async function listOutcomes(db: Queryable, f: OutcomeFilter = {}): Promise<PrOutcome[]> {
  const res = await db.query(
    `SELECT w.repo, w.number, w.url, w.origin_task_id AS task_id, w.state, w.watch_state AS watch,
            w.watch_reason, w.opened_at, w.first_review_at, w.merged_at, w.closed_at,
            w.human_reviews + w.comment_cycles AS review_cycles, w.iteration_tasks, w.human_commits,
            w.cost_usd,
            CASE WHEN $6::boolean THEN coalesce((SELECT jsonb_agg(jsonb_build_object('author', c.author, 'body', c.body, 'path', c.path,
                        'line', c.line, 'resolved', c.resolved, 'created_at', c.created_at) ORDER BY c.created_at)
                        FROM (SELECT * FROM pr_review_comments WHERE watch_id = w.id
                              ORDER BY created_at DESC LIMIT ${COMMENTS_PER_PR}) c), '[]'::jsonb)
                 ELSE '[]'::jsonb END AS review_comments
       FROM pr_watches w
      WHERE ($1::text IS NULL OR w.repo = $1) AND ($2::text IS NULL OR w.state = $2)
        AND ($3::timestamptz IS NULL OR w.opened_at >= $3) AND ($4::text IS NULL OR w.user_id = $4)
      ORDER BY w.opened_at DESC, w.id DESC
      LIMIT $5`,
    [
      f.repo ?? null,
      f.state ?? null,
      f.since ?? null,
      f.userId ?? null,
      f.limit ?? 10_000,
      f.comments ?? true,
    ],
  );
  return res.rows.map((r) =>
    PrOutcome.parse({
      ...r,
      opened_at: iso(r.opened_at),
      first_review_at: iso(r.first_review_at),
      merged_at: iso(r.merged_at),
      closed_at: iso(r.closed_at),
      cost_usd: Number(r.cost_usd),
      review_comments: (r.review_comments as { created_at: string }[]).map((c) => ({
        ...c,
        created_at: new Date(c.created_at).toISOString(),
      })),
    }),
  );
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
