import type { ReviewLineComment, ReviewVerdict } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../../storage/db.ts';
import { toJsonb } from '../../storage/storable.ts';
import type { StoredComment } from './stored-threads.ts';

/**
 * The fake forge's pull requests, reviews and review threads (`fake_forge_*` tables). The fake
 * adapter reads and writes them; tests (and other fakes' users) act as the people around a PR with
 * {@link addFakeReview}, {@link setFakePullState} and {@link addFakeConversationComment}.
 */
export const FakePull = z.object({
  number: z.number().int(),
  repo: z.string(),
  branch: z.string(),
  base: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  state: z.enum(['open', 'closed', 'merged']),
  labels: z.array(z.string()),
  createdAt: z.date(),
  mergedAt: z.date().nullable(),
  closedAt: z.date().nullable(),
});
export type FakePull = z.infer<typeof FakePull>;

export const PULL_COLUMNS = `number, repo, branch, base, title, body, draft, state, labels,
  created_at AS "createdAt", merged_at AS "mergedAt", closed_at AS "closedAt"`;

export async function getFakePull(
  db: Queryable,
  repo: string,
  number: number,
): Promise<FakePull | undefined> {
  const res = await db.query(`SELECT ${PULL_COLUMNS} FROM fake_forge_pulls WHERE repo = $1 AND number = $2`, [
    repo,
    number,
  ]);
  return res.rows[0] ? FakePull.parse(res.rows[0]) : undefined;
}

/** Merges or closes a fake pull request (as a person would on the forge), or labels it. */
export async function setFakePullState(
  db: Queryable,
  repo: string,
  number: number,
  patch: { state?: 'merged' | 'closed'; labels?: string[] },
): Promise<void> {
  await db.query(
    `UPDATE fake_forge_pulls SET state = coalesce($3, state), labels = coalesce($4, labels),
       merged_at = CASE WHEN $3 = 'merged' AND state = 'open' THEN clock_timestamp() ELSE merged_at END,
       closed_at = CASE WHEN $3 IS NOT NULL AND state = 'open' THEN clock_timestamp() ELSE closed_at END
     WHERE repo = $1 AND number = $2`,
    [repo, number, patch.state ?? null, patch.labels ?? null],
  );
}

const StoredCommentRow = z.object({
  id: z.number().int(),
  author: z.string(),
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  resolved: z.boolean(),
  inReplyTo: z.number().int().nullable(),
  reviewId: z.number().int().nullable(),
  createdAt: z.date(),
});
export type FakeReviewComment = StoredComment & { reviewId: number | null };

const COMMENT_COLUMNS = `id, author, body, path, line, resolved, in_reply_to AS "inReplyTo",
  review_id AS "reviewId", created_at AS "createdAt"`;

/** Review comments of a pull request, oldest first. */
export async function listFakeReviewComments(db: Queryable, pull: number): Promise<FakeReviewComment[]> {
  const res = await db.query(
    `SELECT ${COMMENT_COLUMNS} FROM fake_forge_review_comments WHERE pull = $1 ORDER BY id`,
    [pull],
  );
  return res.rows.map((r) => StoredCommentRow.parse(r));
}

/** The first comment of a thread, or undefined. */
export async function getFakeThreadRoot(
  db: Queryable,
  pull: number,
  rootId: number,
): Promise<FakeReviewComment | undefined> {
  const res = await db.query(
    `SELECT ${COMMENT_COLUMNS} FROM fake_forge_review_comments WHERE pull = $1 AND id = $2 AND in_reply_to IS NULL`,
    [pull, rootId],
  );
  return res.rows[0] ? StoredCommentRow.parse(res.rows[0]) : undefined;
}

/** A reply in a thread; with `taskId`, once per task and thread (a repeat adds nothing). */
export async function addFakeReply(
  db: Queryable,
  r: { pull: number; rootId: number; author: string; body: string; taskId?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO fake_forge_review_comments (pull, author, body, path, line, in_reply_to, task_id)
     SELECT $1, $2, $3, root.path, root.line, root.id, $5
     FROM fake_forge_review_comments root WHERE root.id = $4 AND root.pull = $1
     ON CONFLICT DO NOTHING`,
    [r.pull, r.author, r.body, r.rootId, r.taskId ?? null],
  );
}

/** Marks every comment of a thread resolved (or not); returns how many it holds (0: no such thread). */
export async function setFakeThreadResolved(
  db: Queryable,
  pull: number,
  rootId: number,
  resolved: boolean,
): Promise<number> {
  const res = await db.query(
    `UPDATE fake_forge_review_comments SET resolved = $3 WHERE pull = $1 AND (id = $2 OR in_reply_to = $2)`,
    [pull, rootId, resolved],
  );
  return res.rowCount ?? 0;
}

export const FakeReview = z.object({
  id: z.number().int(),
  author: z.string(),
  verdict: z.enum(['comment', 'approve', 'request_changes']),
  body: z.string(),
  createdAt: z.date(),
});
export type FakeReview = z.infer<typeof FakeReview>;

/**
 * A review with its line comments, in one statement. With `taskId`, one per task and pull request:
 * a repeat adds nothing.
 */
export async function addFakeReview(
  db: Queryable,
  r: {
    pull: number;
    author: string;
    verdict: ReviewVerdict;
    body: string;
    commitSha?: string;
    taskId?: string;
    comments: ReviewLineComment[];
  },
): Promise<void> {
  await db.query(
    `WITH review AS (
       INSERT INTO fake_forge_reviews (pull, author, verdict, body, commit_sha, task_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id
     )
     INSERT INTO fake_forge_review_comments (pull, author, body, path, line, task_id, review_id)
     SELECT $1, $2, c.body, c.path, c.line, $6, review.id
     FROM review, ROWS FROM (jsonb_to_recordset($7::jsonb) AS (path text, line int, body text))
       WITH ORDINALITY AS c(path, line, body, n)
     ORDER BY c.n`,
    [r.pull, r.author, r.verdict, r.body, r.commitSha ?? null, r.taskId ?? null, toJsonb(r.comments)],
  );
}

export async function listFakeReviews(db: Queryable, pull: number): Promise<FakeReview[]> {
  const res = await db.query(
    `SELECT id, author, verdict, body, created_at AS "createdAt" FROM fake_forge_reviews WHERE pull = $1 ORDER BY id`,
    [pull],
  );
  return res.rows.map((r) => FakeReview.parse(r));
}

/**
 * The pull request's conversation: the comments the fake's `comment()` recorded as effects (ABCA's,
 * authored `abca`) and those {@link addFakeConversationComment} added for people.
 */
export async function listFakeConversation(
  db: Queryable,
  repo: string,
  number: number,
): Promise<StoredComment[]> {
  const res = await db.query<{ id: string; author: string | null; body: string; at: Date }>(
    `SELECT id, detail->>'author' AS author, detail->>'body' AS body, at FROM fake_effects
     WHERE effect = 'forge.comment' AND detail->>'repo' = $1 AND detail->>'number' = $2 ORDER BY id`,
    [repo, String(number)],
  );
  return res.rows.map((r) => ({
    id: Number(r.id),
    author: r.author ?? 'abca',
    body: r.body ?? '',
    path: null,
    line: null,
    resolved: false,
    inReplyTo: null,
    createdAt: r.at,
  }));
}

/** A person's comment in a fake pull request's conversation. */
export async function addFakeConversationComment(
  db: Queryable,
  c: { repo: string; number: number; author: string; body: string },
): Promise<void> {
  await db.query(
    `INSERT INTO fake_effects (task_id, effect, detail) VALUES ($1, 'forge.comment', $2::jsonb)`,
    [`${c.repo}#${c.number}`, toJsonb({ repo: c.repo, number: c.number, body: c.body, author: c.author })],
  );
}
