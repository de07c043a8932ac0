import { z } from 'zod';
import { ChangeRequestInfo } from './change-request.ts';
import { RepoName } from './task.ts';
import { Instant } from './usage.ts';

/**
 * The PR loop's shapes: reviews the agent writes, the plain-git review and merge requests, the
 * outcome of each ABCA pull request and the statistics over them (`GET /v1/stats`).
 */

/** What a review concludes. */
export const REVIEW_VERDICTS = ['comment', 'approve', 'request_changes'] as const;
export const ReviewVerdict = z.enum(REVIEW_VERDICTS);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** One comment on a line of the new side of a pull request's diff. */
export const ReviewLineComment = z.strictObject({
  path: z.string().min(1).max(1000),
  line: z.number().int().positive().max(10_000_000),
  body: z.string().min(1).max(20_000),
});
export type ReviewLineComment = z.infer<typeof ReviewLineComment>;

/**
 * The review a `coding/pr-review-v1` task produces: the agent's final answer, parsed with this
 * schema. Line comments outside the diff are moved into the summary when posted, never dropped.
 */
export const ReviewResult = z.strictObject({
  summary: z.string().min(1).max(60_000),
  verdict: ReviewVerdict,
  comments: z.array(ReviewLineComment).max(100).default([]),
});
export type ReviewResult = z.infer<typeof ReviewResult>;

/** `POST /v1/prs/{number}/comments`: a comment on a plain-git pull request, on a line when given. */
export const PrCommentRequest = z
  .strictObject({
    body: z.string().trim().min(1).max(20_000),
    path: z.string().min(1).max(1000).optional(),
    line: z.number().int().positive().max(10_000_000).optional(),
    /** Answers the thread of this comment id (a reply); path and line come from it. */
    in_reply_to: z.number().int().positive().optional(),
  })
  .refine((v) => (v.path === undefined) === (v.line === undefined), {
    message: 'give path and line together',
    path: ['line'],
  });
export type PrCommentRequest = z.infer<typeof PrCommentRequest>;

/**
 * `POST /v1/prs/{number}/reviews`: a review of a plain-git pull request, with comments on lines of
 * the new side of its diff (like GitHub's). `approve` may be empty; the others need a body or a
 * line comment.
 */
export const PrReviewRequest = z
  .strictObject({
    verdict: ReviewVerdict,
    body: z.string().max(60_000).default(''),
    comments: z.array(ReviewLineComment).max(100).default([]),
  })
  .refine((v) => v.verdict === 'approve' || v.body.trim() !== '' || v.comments.length > 0, {
    message: 'say why: a body or a line comment (only approve may be empty)',
    path: ['body'],
  });
export type PrReviewRequest = z.infer<typeof PrReviewRequest>;

/** A comment on a pull request as the API shows it (plain git). */
export const PrComment = z.object({
  id: z.number().int(),
  number: z.number().int(),
  author: z.string(),
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  /** The comment that opened the thread this one answers, or null for a thread's first. */
  in_reply_to: z.number().int().nullable(),
  resolved: z.boolean(),
  created_at: z.string(),
});
export type PrComment = z.infer<typeof PrComment>;

/** A review as the API shows it (plain git). */
export const PrReview = z.object({
  id: z.number().int(),
  number: z.number().int(),
  author: z.string(),
  verdict: ReviewVerdict,
  body: z.string(),
  created_at: z.string(),
});
export type PrReview = z.infer<typeof PrReview>;

/** `POST /v1/prs/{number}/merge`: the pull request, merged, and the commit its base now has. */
export const PrMergeResult = z.object({
  pr: ChangeRequestInfo,
  /** The merge commit pushed to the base (or the base's head when it held the branch already). */
  merge_commit: z.string(),
  /** The base held the branch already (merged by hand): nothing was pushed. */
  already_merged: z.boolean(),
});
export type PrMergeResult = z.infer<typeof PrMergeResult>;

/** How an ABCA pull request ended, or that it has not yet. */
export const PR_OUTCOME_STATES = ['open', 'merged', 'closed'] as const;
export const PrOutcomeState = z.enum(PR_OUTCOME_STATES);
export type PrOutcomeState = z.infer<typeof PrOutcomeState>;

/** What the watcher does with a pull request. */
export const PR_WATCH_STATES = ['watching', 'stopped', 'ended'] as const;
export const PrWatchState = z.enum(PR_WATCH_STATES);
export type PrWatchState = z.infer<typeof PrWatchState>;

/** A review comment an ABCA pull request received, as recorded for its outcome (and for memory). */
export const PrReviewCommentRecord = z.object({
  author: z.string(),
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  resolved: z.boolean(),
  created_at: z.string(),
});
export type PrReviewCommentRecord = z.infer<typeof PrReviewCommentRecord>;

/** One ABCA pull request's story (`GET /v1/stats/prs`). Times are ISO 8601. */
export const PrOutcome = z.object({
  repo: z.string(),
  number: z.number().int(),
  url: z.string(),
  /** The task that opened it. */
  task_id: z.string(),
  state: PrOutcomeState,
  watch: PrWatchState,
  /** Why the watcher stopped (`stop_label`, `stop_comment`, `iteration_limit`, `spend_limit`), or null. */
  watch_reason: z.string().nullable(),
  opened_at: z.string(),
  first_review_at: z.string().nullable(),
  merged_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  /** Reviews that asked for changes, and the conversations the iterations answered. */
  review_cycles: z.number().int().nonnegative(),
  /** `coding/pr-iteration-v1` tasks started on it. */
  iteration_tasks: z.number().int().nonnegative(),
  /** Commits on the branch by someone other than ABCA. */
  human_commits: z.number().int().nonnegative(),
  /** What the tasks on it cost: the opening task and every iteration. */
  cost_usd: z.number().nonnegative(),
  review_comments: z.array(PrReviewCommentRecord),
});
export type PrOutcome = z.infer<typeof PrOutcome>;

/** The loop's figures over a set of pull requests. Rates are 0..1, null when nothing to divide by. */
export const PrStatsFigures = z.object({
  prs: z.number().int().nonnegative(),
  open: z.number().int().nonnegative(),
  merged: z.number().int().nonnegative(),
  closed: z.number().int().nonnegative(),
  /** Of the ended PRs, those merged without any revision cycle. */
  first_review_merge_rate: z.number().nullable(),
  /** Mean review cycles per PR (all PRs). */
  revision_cycles_per_pr: z.number().nullable(),
  /** Of the ended PRs, those merged. */
  merged_share: z.number().nullable(),
  /** Spend on the merged PRs (their opening task and iterations) divided by their number. */
  cost_per_merged_pr_usd: z.number().nullable(),
  /** Hours from opening to the first review, median over PRs that had one. */
  median_hours_to_first_review: z.number().nullable(),
  /** Hours from opening to merge, median over merged PRs. */
  median_hours_to_merge: z.number().nullable(),
});
export type PrStatsFigures = z.infer<typeof PrStatsFigures>;

/** `GET /v1/stats`: overall and per repo. A member sees their own tasks' PRs. */
export const PrStats = z.object({
  overall: PrStatsFigures,
  repos: z.array(PrStatsFigures.extend({ repo: z.string() })),
});
export type PrStats = z.infer<typeof PrStats>;

/** `GET /v1/stats`: a repo, and PRs opened since a date or time. */
export const PrStatsQuery = z.strictObject({
  repo: RepoName.optional(),
  since: Instant.optional(),
});
export type PrStatsQuery = z.infer<typeof PrStatsQuery>;

/** `GET /v1/stats/prs`: a repo, a state, PRs opened since; at most `limit` (newest first). */
export const PrOutcomesQuery = z.strictObject({
  repo: RepoName.optional(),
  state: PrOutcomeState.optional(),
  since: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type PrOutcomesQuery = z.infer<typeof PrOutcomesQuery>;
