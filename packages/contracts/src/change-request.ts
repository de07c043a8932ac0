import { z } from 'zod';

export const CHANGE_REQUEST_STATES = ['open', 'closed', 'merged'] as const;
export const ChangeRequestState = z.enum(CHANGE_REQUEST_STATES);
export type ChangeRequestState = z.infer<typeof ChangeRequestState>;

/** One commit of a change request's branch, oldest first in the list. */
export const ChangeRequestCommit = z.object({
  sha: z.string(),
  subject: z.string(),
  author: z.string(),
});
export type ChangeRequestCommit = z.infer<typeof ChangeRequestCommit>;

/**
 * A pull request of a plain-git repository, as ABCA keeps it (`GET /v1/prs`, `GET /v1/prs/{number}`):
 * the remote only receives the branch. `diff` is present only when asked for (the list and
 * `?diff=false` leave it out); `diff_lines` is always there. Times are ISO 8601.
 */
export const ChangeRequestInfo = z.object({
  number: z.number().int().positive(),
  repo: z.string(),
  /** The task that opened it; null for one opened outside ABCA. */
  task_id: z.string().nullable(),
  branch: z.string(),
  base: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  state: ChangeRequestState,
  base_commit: z.string().nullable(),
  head_commit: z.string().nullable(),
  commits: z.array(ChangeRequestCommit),
  diff_lines: z.number().int().nonnegative(),
  diff: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  /** When it was merged (`abca prs merge`), or null. */
  merged_at: z.string().nullable(),
  /** When it was merged or closed, or null while open. */
  closed_at: z.string().nullable(),
});
export type ChangeRequestInfo = z.infer<typeof ChangeRequestInfo>;

/**
 * A task's changes (`GET /v1/tasks/{id}/diff`) as JSON. With `?format=raw` (or
 * `Accept: text/x-diff`) the server answers only `diff`, as `text/x-diff`.
 */
export const TaskDiff = z.object({
  task_id: z.string(),
  pr_number: z.number().int().positive(),
  branch: z.string(),
  base: z.string(),
  commits: z.array(ChangeRequestCommit),
  diff: z.string(),
});
export type TaskDiff = z.infer<typeof TaskDiff>;
