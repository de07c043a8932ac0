import { PrOutcomeState, PrWatchState } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';

/** The channel the poller listens on: a nudged watch (its id as the payload). */
export const PR_WATCH_CHANNEL = 'abca_pr_watch';

/** What the watcher has already acted on (ids as the forge gives them). */
export const WatchCursor = z.object({
  reviews: z.array(z.string()).default([]),
  comments: z.array(z.string()).default([]),
  /** `<head sha>:<check id>` of failing checks acted on. */
  checks: z.array(z.string()).default([]),
});
export type WatchCursor = z.infer<typeof WatchCursor>;

/** A `pr_watches` row (migration 014), validated on read. */
export const WatchRow = z.object({
  id: z.number().int(),
  repo: z.string(),
  number: z.number().int(),
  forge_kind: z.string(),
  branch: z.string(),
  url: z.string(),
  origin_task_id: z.string(),
  user_id: z.string(),
  watch_state: PrWatchState,
  watch_reason: z.string().nullable(),
  state: PrOutcomeState,
  head_sha: z.string().nullable(),
  opened_at: z.date(),
  first_review_at: z.date().nullable(),
  merged_at: z.date().nullable(),
  closed_at: z.date().nullable(),
  human_reviews: z.number().int(),
  comment_cycles: z.number().int(),
  iteration_tasks: z.number().int(),
  loop_iterations: z.number().int(),
  human_commits: z.number().int(),
  cost_usd: z.number(),
  seen: WatchCursor,
  active_task_id: z.string().nullable(),
  pending: z.boolean(),
  pending_reasons: z.array(z.string()),
  next_poll_at: z.date(),
  nudged_at: z.date().nullable(),
  claim_token: z.string().nullable(),
  idle_polls: z.number().int(),
});
export type WatchRow = z.infer<typeof WatchRow>;

const COLUMNS = Object.keys(WatchRow.shape).join(', ');
const TERMINAL = `('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT')`;

/**
 * Adds a watch for every pull request an ABCA task opened that has none yet: finished
 * `coding/new-task-v1` tasks whose outcome names a PR. Idempotent (`ON CONFLICT DO NOTHING`), so
 * every poller may run it. Returns how many it added.
 */
export async function discoverWatches(db: Queryable, repo?: string): Promise<number> {
  const res = await db.query(
    `INSERT INTO pr_watches (repo, number, forge_kind, branch, url, origin_task_id, user_id, opened_at)
     SELECT t.repo, (t.outcome->'pr'->>'number')::int, r.forge->>'kind', coalesce(t.branch_name, ''),
            coalesce(t.outcome->'pr'->>'url', t.pr_url, ''), t.task_id, t.user_id,
            coalesce(t.completed_at, t.updated_at)
       FROM tasks t JOIN repos r ON r.repo = t.repo
      WHERE t.workflow_ref = 'coding/new-task-v1' AND (t.outcome -> 'pr') IS NOT NULL
        AND t.status IN ${TERMINAL}
        AND jsonb_typeof(t.outcome->'pr'->'number') = 'number'
        AND ($1::text IS NULL OR t.repo = $1)
        AND NOT EXISTS (SELECT 1 FROM pr_watches w WHERE w.origin_task_id = t.task_id)
     ON CONFLICT DO NOTHING`,
    [repo ?? null],
  );
  return res.rowCount ?? 0;
}

/**
 * Claims up to `limit` due watches for this poller (a lease of `leaseMs`): open PRs whose poll is
 * due, or whose iteration task has ended. `FOR UPDATE SKIP LOCKED` makes two pollers claim
 * different rows; the lease keeps others off while this one works, and frees it after a crash.
 */
export async function claimDueWatches(
  db: Queryable,
  token: string,
  opts: { limit: number; leaseMs: number },
): Promise<WatchRow[]> {
  const res = await db.query(
    `UPDATE pr_watches w SET claim_token = $1, claimed_at = clock_timestamp(), claimed_until = clock_timestamp() + $3 * interval '1 millisecond'
      WHERE w.id IN (
        SELECT id FROM pr_watches p
         WHERE p.state = 'open' AND (p.claimed_until IS NULL OR p.claimed_until < clock_timestamp())
           AND (p.next_poll_at <= clock_timestamp()
                OR (p.active_task_id IS NOT NULL AND EXISTS (
                      SELECT 1 FROM tasks t WHERE t.task_id = p.active_task_id AND t.status IN ${TERMINAL})))
         ORDER BY p.next_poll_at, p.id LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS.split(', ')
        .map((c) => `w.${c}`)
        .join(', ')}`,
    [token, opts.limit, opts.leaseMs],
  );
  return res.rows.map((r) => WatchRow.parse(r));
}

/** Milliseconds until the next watch is due (undefined: none open). */
export async function msUntilNextWatch(db: Queryable): Promise<number | undefined> {
  const res = await db.query<{ ms: number | null }>(
    `SELECT extract(epoch FROM (min(greatest(next_poll_at, coalesce(claimed_until, next_poll_at))) - clock_timestamp())) * 1000 AS ms
       FROM pr_watches WHERE state = 'open'`,
  );
  const ms = res.rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, Number(ms));
}

/** What one poll decided, written back under the claim. */
export interface WatchUpdate {
  watch_state: WatchRow['watch_state'];
  watch_reason: string | null;
  state: WatchRow['state'];
  head_sha: string | null;
  opened_at: Date;
  first_review_at: Date | null;
  merged_at: Date | null;
  closed_at: Date | null;
  human_reviews: number;
  comment_cycles: number;
  iteration_tasks: number;
  loop_iterations: number;
  human_commits: number;
  cost_usd: number;
  seen: WatchCursor;
  active_task_id: string | null;
  pending: boolean;
  pending_reasons: string[];
}

/**
 * Writes a poll's result and releases the claim; due again after `pollMs`, or at once when a
 * nudge came while it worked. False when the claim was lost (another poller has the row now).
 */
export async function finishPoll(
  db: Queryable,
  id: number,
  token: string,
  u: WatchUpdate,
  pollMs: number,
  /** The poll found nothing new: counts toward a longer wait (pr-loop/poll-interval.ts). */
  quiet = false,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE pr_watches SET watch_state = $3, watch_reason = $4, state = $5, head_sha = $6, opened_at = $7,
       first_review_at = $8, merged_at = $9, closed_at = $10, human_reviews = $11, comment_cycles = $12,
       iteration_tasks = $13, loop_iterations = $14, human_commits = $15, cost_usd = $16, seen = $17::jsonb,
       active_task_id = $18, pending = $19, pending_reasons = $20::jsonb,
       next_poll_at = CASE WHEN nudged_at IS NOT NULL AND nudged_at >= claimed_at
                           THEN clock_timestamp() ELSE clock_timestamp() + $21 * interval '1 millisecond' END,
       idle_polls = CASE WHEN $22 AND NOT (nudged_at IS NOT NULL AND nudged_at >= claimed_at)
                         THEN idle_polls + 1 ELSE 0 END,
       claim_token = NULL, claimed_until = NULL, last_error = NULL, polled_at = clock_timestamp(),
       updated_at = clock_timestamp()
     WHERE id = $1 AND claim_token = $2`,
    [
      id,
      token,
      u.watch_state,
      u.watch_reason,
      u.state,
      u.head_sha,
      u.opened_at,
      u.first_review_at,
      u.merged_at,
      u.closed_at,
      u.human_reviews,
      u.comment_cycles,
      u.iteration_tasks,
      u.loop_iterations,
      u.human_commits,
      u.cost_usd,
      toJsonb(u.seen),
      u.active_task_id,
      u.pending,
      toJsonb(u.pending_reasons),
      pollMs,
      quiet,
    ],
  );
  return (res.rowCount ?? 0) === 1;
}

/** A poll that failed (forge unreachable): the claim is released and the watch is due again later. */
export async function failPoll(
  db: Queryable,
  id: number,
  token: string,
  error: string,
  retryMs: number,
): Promise<void> {
  await db.query(
    `UPDATE pr_watches SET claim_token = NULL, claimed_until = NULL, last_error = $3,
       next_poll_at = clock_timestamp() + $4 * interval '1 millisecond', updated_at = clock_timestamp()
     WHERE id = $1 AND claim_token = $2`,
    [id, token, error.slice(0, 500), retryMs],
  );
}

/**
 * Marks the watch of a pull request due now and wakes the pollers (`pg_notify`): what a webhook,
 * or a comment or review through ABCA's own API (plain git), calls. Discovers the PR first, so a
 * PR whose task just ended is watched. True when ABCA watches that PR (it is one ABCA opened and
 * still open).
 */
export async function nudgeWatch(db: Queryable, repo: string, number: number): Promise<boolean> {
  await discoverWatches(db, repo);
  const res = await db.query<{ id: number }>(
    `UPDATE pr_watches SET next_poll_at = least(next_poll_at, clock_timestamp()), nudged_at = clock_timestamp(),
       idle_polls = 0
      WHERE repo = $1 AND number = $2 AND state = 'open' RETURNING id`,
    [repo, number],
  );
  const id = res.rows[0]?.id;
  if (id === undefined) return false;
  await db.query('SELECT pg_notify($1, $2)', [PR_WATCH_CHANNEL, String(id)]);
  return true;
}

/** The open watches whose head commit is `sha` in a repo (a commit status names only the commit). */
export async function watchesByHead(db: Queryable, repo: string, sha: string): Promise<number[]> {
  const res = await db.query<{ number: number }>(
    `SELECT number FROM pr_watches WHERE repo = $1 AND head_sha = $2 AND state = 'open'`,
    [repo, sha],
  );
  return res.rows.map((r) => r.number);
}

/** Whether ABCA watches (opened) this pull request, whatever its state. */
export async function isWatched(db: Queryable, repo: string, number: number): Promise<boolean> {
  await discoverWatches(db, repo);
  const res = await db.query('SELECT 1 FROM pr_watches WHERE repo = $1 AND number = $2', [repo, number]);
  return (res.rowCount ?? 0) > 0;
}

/** A review comment a PR received, for {@link upsertReviewComments}. */
export interface ReviewCommentInput {
  id: string;
  author: string;
  body: string;
  path: string | null;
  line: number | null;
  resolved: boolean;
  createdAt: string;
}

/** Records a PR's review comments by the forge's id (new ones added, edits and resolution updated). */
export async function upsertReviewComments(
  db: Queryable,
  watchId: number,
  comments: ReviewCommentInput[],
): Promise<void> {
  if (comments.length === 0) return;
  await db.query(
    `INSERT INTO pr_review_comments (watch_id, comment_id, author, body, path, line, resolved, created_at)
     SELECT $1, c.id, c.author, c.body, c.path, c.line, c.resolved, c.created_at
       FROM jsonb_to_recordset($2::jsonb) AS c(id text, author text, body text, path text, line int,
                                                resolved boolean, created_at timestamptz)
     ON CONFLICT (watch_id, comment_id) DO UPDATE
       SET body = EXCLUDED.body, resolved = EXCLUDED.resolved, path = EXCLUDED.path, line = EXCLUDED.line`,
    [
      watchId,
      toJsonb(
        comments.map((c) => ({
          id: c.id,
          author: c.author.slice(0, 200),
          body: c.body.slice(0, 20_000),
          path: c.path?.slice(0, 1000) ?? null,
          line: c.line,
          resolved: c.resolved,
          created_at: c.createdAt,
        })),
      ),
    ],
  );
}
