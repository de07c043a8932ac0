import { ReviewVerdict } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';

/** A commit of a change request, oldest first. */
export const ChangeRequestCommit = z.object({ sha: z.string(), subject: z.string(), author: z.string() });
export type ChangeRequestCommit = z.infer<typeof ChangeRequestCommit>;

/** A pull request of a plain-git repo, as ABCA stores it (the remote only has the branch). */
export const ChangeRequest = z.object({
  number: z.number().int(),
  repo: z.string(),
  taskId: z.string().nullable(),
  branch: z.string(),
  base: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  state: z.enum(['open', 'closed', 'merged']),
  baseCommit: z.string().nullable(),
  headCommit: z.string().nullable(),
  commits: z.array(ChangeRequestCommit),
  diff: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  mergedAt: z.date().nullable(),
  closedAt: z.date().nullable(),
});
export type ChangeRequest = z.infer<typeof ChangeRequest>;

/** A comment on a change request; `path`/`line` set for a comment on a line of the diff. */
export const ChangeRequestComment = z.object({
  id: z.number().int(),
  number: z.number().int(),
  author: z.string(),
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  resolved: z.boolean(),
  /** The comment that opened the thread this one answers; null for a thread's first comment. */
  inReplyTo: z.number().int().nullable(),
  /** The review it was posted with, if any. */
  reviewId: z.number().int().nullable(),
  createdAt: z.date(),
});
export type ChangeRequestComment = z.infer<typeof ChangeRequestComment>;

const COLUMNS = `number, repo, task_id AS "taskId", branch, base, title, body, draft, state,
  base_commit AS "baseCommit", head_commit AS "headCommit", commits, diff,
  created_at AS "createdAt", updated_at AS "updatedAt", merged_at AS "mergedAt", closed_at AS "closedAt"`;

/** Change requests, newest first, optionally of one repo, one task, or the tasks of one user. */
export async function listChangeRequests(
  db: Queryable,
  filter: { repo?: string; taskId?: string; userId?: string; limit?: number } = {},
): Promise<ChangeRequest[]> {
  const res = await db.query(
    `SELECT ${COLUMNS} FROM change_requests
     WHERE ($1::text IS NULL OR repo = $1) AND ($2::text IS NULL OR task_id = $2)
       AND ($3::text IS NULL OR task_id IN (SELECT task_id FROM tasks WHERE user_id = $3))
     ORDER BY number DESC LIMIT $4`,
    [filter.repo ?? null, filter.taskId ?? null, filter.userId ?? null, filter.limit ?? 1000],
  );
  return res.rows.map((r) => ChangeRequest.parse(r));
}

/** One change request by number, or undefined. */
export async function getChangeRequest(db: Queryable, number: number): Promise<ChangeRequest | undefined> {
  const res = await db.query(`SELECT ${COLUMNS} FROM change_requests WHERE number = $1`, [number]);
  return res.rows[0] ? ChangeRequest.parse(res.rows[0]) : undefined;
}

/** The change request of a branch of a repo, or undefined. */
export async function findChangeRequest(
  db: Queryable,
  repo: string,
  branch: string,
): Promise<ChangeRequest | undefined> {
  const res = await db.query(`SELECT ${COLUMNS} FROM change_requests WHERE repo = $1 AND branch = $2`, [
    repo,
    branch,
  ]);
  return res.rows[0] ? ChangeRequest.parse(res.rows[0]) : undefined;
}

/** Inserts a change request; an existing one for the same repo and branch is returned instead. */
export async function insertChangeRequest(
  db: Queryable,
  cr: {
    repo: string;
    taskId: string;
    branch: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
  },
): Promise<ChangeRequest> {
  await db.query(
    `INSERT INTO change_requests (repo, task_id, branch, base, title, body, draft)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (repo, branch) DO NOTHING`,
    [cr.repo, cr.taskId, cr.branch, cr.base, cr.title, cr.body, cr.draft],
  );
  const row = await findChangeRequest(db, cr.repo, cr.branch);
  if (!row) throw new Error(`change request for ${cr.repo} ${cr.branch} vanished after insert`);
  return row;
}

/** Updates the fields given; returns the row, or undefined when there is no such change request. */
export async function updateChangeRequest(
  db: Queryable,
  repo: string,
  number: number,
  patch: {
    title?: string;
    body?: string;
    draft?: boolean;
    state?: ChangeRequest['state'];
    baseCommit?: string;
    headCommit?: string;
    commits?: ChangeRequestCommit[];
    diff?: string;
  },
): Promise<ChangeRequest | undefined> {
  const res = await db.query(
    `UPDATE change_requests SET title = coalesce($3, title), body = coalesce($4, body), draft = coalesce($5, draft),
       state = coalesce($6, state),
       merged_at = CASE WHEN $6 = 'merged' AND state <> 'merged' THEN clock_timestamp() ELSE merged_at END,
       closed_at = CASE WHEN $6 IN ('merged', 'closed') AND state = 'open' THEN clock_timestamp() ELSE closed_at END,
       base_commit = coalesce($7, base_commit), head_commit = coalesce($8, head_commit),
       commits = coalesce($9::jsonb, commits), diff = coalesce($10, diff), updated_at = clock_timestamp()
     WHERE repo = $1 AND number = $2 RETURNING ${COLUMNS}`,
    [
      repo,
      number,
      patch.title ?? null,
      patch.body ?? null,
      patch.draft ?? null,
      patch.state ?? null,
      patch.baseCommit ?? null,
      patch.headCommit ?? null,
      patch.commits ? toJsonb(patch.commits) : null,
      patch.diff ?? null,
    ],
  );
  return res.rows[0] ? ChangeRequest.parse(res.rows[0]) : undefined;
}

/**
 * Ends an open change request as merged or closed (recording `merged_at`/`closed_at`). Only an open
 * one changes: two people merging at once end it once. Returns the row, or undefined when it was
 * not open (or does not exist).
 */
export async function endChangeRequest(
  db: Queryable,
  number: number,
  state: 'merged' | 'closed',
  patch: { headCommit?: string } = {},
): Promise<ChangeRequest | undefined> {
  const res = await db.query(
    `UPDATE change_requests SET state = $2,
       merged_at = CASE WHEN $2 = 'merged' THEN clock_timestamp() ELSE merged_at END,
       closed_at = clock_timestamp(), head_commit = coalesce($3, head_commit), updated_at = clock_timestamp()
     WHERE number = $1 AND state = 'open' RETURNING ${COLUMNS}`,
    [number, state, patch.headCommit ?? null],
  );
  return res.rows[0] ? ChangeRequest.parse(res.rows[0]) : undefined;
}

/**
 * Adds a comment to a change request; with `inReplyTo`, a reply in that comment's thread (path and
 * line come from it). With `taskId`, at most one comment per task, change request and thread is
 * kept: a repeat is a no-op (the unique index makes that hold under races too). Returns the row.
 */
export async function addChangeRequestComment(
  db: Queryable,
  c: {
    number: number;
    author: string;
    body: string;
    path?: string;
    line?: number;
    taskId?: string;
    inReplyTo?: number;
  },
): Promise<ChangeRequestComment | undefined> {
  const res = await db.query(
    `INSERT INTO change_request_comments (number, author, body, path, line, task_id, in_reply_to)
     SELECT $1, $2, $3, coalesce(root.path, $4), coalesce(root.line, $5), $6, $7
     FROM (SELECT 1) one
     LEFT JOIN change_request_comments root ON root.id = $7 AND root.number = $1
     ON CONFLICT DO NOTHING
     RETURNING ${COMMENT_COLUMNS}`,
    [c.number, c.author, c.body, c.path ?? null, c.line ?? null, c.taskId ?? null, c.inReplyTo ?? null],
  );
  return res.rows[0] ? ChangeRequestComment.parse(res.rows[0]) : undefined;
}

const COMMENT_COLUMNS = `id, number, author, body, path, line, resolved, in_reply_to AS "inReplyTo",
  review_id AS "reviewId", created_at AS "createdAt"`;

/** Comments of a change request, oldest first. */
export async function listChangeRequestComments(
  db: Queryable,
  number: number,
): Promise<ChangeRequestComment[]> {
  const res = await db.query(
    `SELECT ${COMMENT_COLUMNS} FROM change_request_comments WHERE number = $1 ORDER BY id`,
    [number],
  );
  return res.rows.map((r) => ChangeRequestComment.parse(r));
}

/** One comment of a change request, or undefined. */
export async function getChangeRequestComment(
  db: Queryable,
  number: number,
  id: number,
): Promise<ChangeRequestComment | undefined> {
  const res = await db.query(
    `SELECT ${COMMENT_COLUMNS} FROM change_request_comments WHERE number = $1 AND id = $2`,
    [number, id],
  );
  return res.rows[0] ? ChangeRequestComment.parse(res.rows[0]) : undefined;
}

/**
 * Marks the thread opened by comment `rootId` resolved (or unresolved): every comment of it.
 * Returns how many comments it holds (0: no such thread).
 */
export async function setChangeRequestThreadResolved(
  db: Queryable,
  number: number,
  rootId: number,
  resolved: boolean,
): Promise<number> {
  const res = await db.query(
    `UPDATE change_request_comments SET resolved = $3
     WHERE number = $1 AND (id = $2 OR in_reply_to = $2)`,
    [number, rootId, resolved],
  );
  return res.rowCount ?? 0;
}

/** A review of a change request. */
export const ChangeRequestReview = z.object({
  id: z.number().int(),
  number: z.number().int(),
  author: z.string(),
  verdict: ReviewVerdict,
  body: z.string(),
  taskId: z.string().nullable(),
  createdAt: z.date(),
});
export type ChangeRequestReview = z.infer<typeof ChangeRequestReview>;

const REVIEW_COLUMNS = `id, number, author, verdict, body, task_id AS "taskId", created_at AS "createdAt"`;

/**
 * Stores a review with its line comments, in one statement (so atomically). With `taskId`, one
 * review per task and change request: a repeat returns the review stored first and adds nothing.
 */
export async function insertChangeRequestReview(
  db: Queryable,
  r: {
    number: number;
    author: string;
    verdict: ReviewVerdict;
    body: string;
    taskId?: string;
    comments: { path: string; line: number; body: string }[];
  },
): Promise<ChangeRequestReview> {
  const inserted = await db.query(
    `WITH review AS (
       INSERT INTO change_request_reviews (number, author, verdict, body, task_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *
     ), comments AS (
       INSERT INTO change_request_comments (number, author, body, path, line, task_id, review_id)
       SELECT $1, $2, c.body, c.path, c.line, $5, review.id
       FROM review, ROWS FROM (jsonb_to_recordset($6::jsonb) AS (path text, line int, body text))
         WITH ORDINALITY AS c(path, line, body, n)
       ORDER BY c.n
     )
     SELECT ${REVIEW_COLUMNS} FROM review`,
    [r.number, r.author, r.verdict, r.body, r.taskId ?? null, toJsonb(r.comments)],
  );
  if (inserted.rows[0]) return ChangeRequestReview.parse(inserted.rows[0]);
  const earlier = await db.query(
    `SELECT ${REVIEW_COLUMNS} FROM change_request_reviews WHERE number = $1 AND task_id = $2`,
    [r.number, r.taskId ?? null],
  );
  return ChangeRequestReview.parse(earlier.rows[0]);
}

/** Reviews of a change request, oldest first. */
export async function listChangeRequestReviews(
  db: Queryable,
  number: number,
): Promise<ChangeRequestReview[]> {
  const res = await db.query(
    `SELECT ${REVIEW_COLUMNS} FROM change_request_reviews WHERE number = $1 ORDER BY id`,
    [number],
  );
  return res.rows.map((r) => ChangeRequestReview.parse(r));
}

/** The API's view of a change request (snake_case; the diff only when asked for). */
export function changeRequestView(r: ChangeRequest, opts: { withDiff: boolean }) {
  return {
    number: r.number,
    repo: r.repo,
    task_id: r.taskId,
    branch: r.branch,
    base: r.base,
    title: r.title,
    body: r.body,
    draft: r.draft,
    state: r.state,
    base_commit: r.baseCommit,
    head_commit: r.headCommit,
    commits: r.commits,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    merged_at: r.mergedAt?.toISOString() ?? null,
    closed_at: r.closedAt?.toISOString() ?? null,
    diff_lines: r.diff ? r.diff.split('\n').length : 0,
    ...(opts.withDiff ? { diff: r.diff } : {}),
  };
}
