import { z } from 'zod';
import { RepoName } from './task.ts';

/** A monthly budget in US dollars: more than 0 (0 or less is refused, naming the field). */
export const MonthlyBudgetUsd = z
  .number({ error: 'must be a number of US dollars, such as 50' })
  .gt(0, { message: 'must be more than 0 US dollars (null removes the budget)', abort: true })
  .min(0.01, 'must be at least 0.01 US dollars')
  .max(1_000_000, 'must be at most 1000000 US dollars');

/** A user id as API keys make them (`alice`, `ci-bot@example.com`). */
export const UserId = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,100}$/, 'must be a user id: letters, digits and . _ @ - only, at most 100');

/** A day (`2026-12-01`, midnight UTC) or an ISO-8601 time with its zone. */
export const Instant = z
  .string()
  .max(40)
  .refine(
    (v) =>
      (/^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/i.test(v)) &&
      Number.isFinite(Date.parse(v)),
    'must be a date such as 2026-12-01 (UTC) or a time such as 2026-12-01T09:30:00Z',
  )
  .transform((v) => new Date(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)));

export const USAGE_GROUPS = ['repo', 'user', 'task'] as const;
export const UsageGroupBy = z.enum(USAGE_GROUPS);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

/**
 * `GET /v1/usage`: tasks created in [from, to), default the current calendar month (UTC), grouped
 * by repo, user or task. A member sees only their own tasks; `user` is for admins.
 */
export const UsageQuery = z
  .strictObject({
    from: Instant.optional(),
    to: Instant.optional(),
    group_by: UsageGroupBy.default('repo'),
    repo: RepoName.optional(),
    user: UserId.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after from' });
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Sums over a set of tasks. Unpriced tasks' tokens are counted; their dollars are not known. */
export const UsageTotals = z.object({
  tasks: z.number().int(),
  /** Tasks whose model has no price: `cost_usd` holds nothing for them. */
  unpriced_tasks: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/** One group: `key` is the repo, the user id or the task id. */
export const UsageGroup = UsageTotals.extend({ key: z.string() });
export type UsageGroup = z.infer<typeof UsageGroup>;

export const UsageReport = z.object({
  from: z.string(),
  to: z.string(),
  group_by: UsageGroupBy,
  /** Largest cost first. */
  groups: z.array(UsageGroup),
  total: UsageTotals,
});
export type UsageReport = z.infer<typeof UsageReport>;

/** `PUT /v1/users/{user_id}/budget` (admin): `null` removes the user's monthly budget. */
export const SetUserBudgetRequest = z.strictObject({ monthly_budget_usd: MonthlyBudgetUsd.nullable() });
export type SetUserBudgetRequest = z.infer<typeof SetUserBudgetRequest>;

/** A user's monthly budget and what their tasks spent this calendar month (UTC). */
export const UserBudget = z.object({
  user_id: z.string(),
  monthly_budget_usd: z.number().nullable(),
  /** `2026-12`. */
  month: z.string(),
  spent_usd: z.number(),
});
export type UserBudget = z.infer<typeof UserBudget>;
