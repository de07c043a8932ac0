import { z } from 'zod';
import { Channel, ChannelRef } from './channels.ts';
import { TaskError } from './error-codes.ts';
import { TaskStatus } from './task-status.ts';

/** `owner/name` (GitHub style) or a bare name, as onboarded. */
export const RepoName = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/,
    'must look like owner/name or name (letters, digits, . _ -)',
  )
  // `.` and `..` are no name on any forge, and a path segment everywhere a repo name becomes one.
  .regex(/^(?!\.{1,2}(\/|$))[^/]+(\/(?!\.{1,2}$)[^/]+)?$/, 'must not have `.` or `..` as its owner or name');

export const WORKFLOW_REFS = ['coding/new-task-v1', 'coding/pr-iteration-v1', 'coding/pr-review-v1'] as const;
export const WorkflowRef = z.enum(WORKFLOW_REFS);
export type WorkflowRef = z.infer<typeof WorkflowRef>;

/** Task ids are ULIDs, lower- or upper-case on input, upper-case when stored. */
export const TaskId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, 'must be a task id (26-character ULID)')
  .transform((s) => s.toUpperCase());

/** A per-task dollar budget: more than 0 (0 or less is refused, naming the field), at most 100. */
export const BudgetUsd = z
  .number({ error: 'must be a number of US dollars, such as 5' })
  .gt(0, { message: 'must be more than 0 US dollars (omit it for no budget)', abort: true })
  .min(0.01, 'must be at least 0.01 US dollars')
  .max(100, 'must be at most 100 US dollars');

/** An issue or pull-request number: stored in a 32-bit integer column. */
const ForgeNumber = z.number().int().positive().max(2_147_483_647);

export const CreateTaskRequest = z
  .strictObject({
    repo: RepoName,
    task_description: z.string().trim().min(1).max(10_000).optional(),
    issue_number: ForgeNumber.optional(),
    pr_number: ForgeNumber.optional(),
    workflow_ref: WorkflowRef.optional(),
    max_turns: z.number().int().min(1).max(500).optional(),
    max_budget_usd: BudgetUsd.optional(),
    /** The repo's memory for this task (docs/memory.md): false leaves it out; default the repo's setting. */
    memory: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.task_description && v.issue_number === undefined && v.pr_number === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['task_description'],
        message: 'give task_description, issue_number or pr_number',
      });
    }
    const wf = v.workflow_ref ?? 'coding/new-task-v1';
    if (wf !== 'coding/new-task-v1' && v.pr_number === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pr_number'], message: `is required by workflow ${wf}` });
    }
    if (wf === 'coding/new-task-v1' && v.pr_number !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['pr_number'],
        message: 'is only accepted by coding/pr-iteration-v1 and coding/pr-review-v1',
      });
    }
  });
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

export const TaskUsage = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
  turns: z.number().int(),
  /**
   * false: the model has no price, so `cost_usd` counts nothing for its tokens (shown "unpriced");
   * true: priced from the price table (0 for a free provider such as openai-compatible); null: not
   * known (no model call yet, or a server that does not say).
   */
  priced: z.boolean().nullable().default(null),
});
export type TaskUsage = z.infer<typeof TaskUsage>;

export const TaskSummary = z.object({
  task_id: z.string(),
  status: TaskStatus,
  repo: z.string(),
  user_id: z.string(),
  workflow_ref: WorkflowRef,
  task_description: z.string().nullable(),
  issue_number: z.number().int().nullable(),
  pr_number: z.number().int().nullable(),
  current_step: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  error: TaskError.nullable(),
  /** Where the task came from (docs/channels.md); `api` for tasks made before channels existed. */
  channel: Channel.default('api'),
});
export type TaskSummary = z.infer<typeof TaskSummary>;

export const TaskDetail = TaskSummary.extend({
  max_turns: z.number().int(),
  max_budget_usd: z.number().nullable(),
  branch_name: z.string().nullable(),
  pr_url: z.string().nullable(),
  queue_position: z.number().int().nullable(),
  estimated_wait_s: z.number().int().nullable(),
  started_at: z.string().nullable(),
  usage: TaskUsage,
  outcome: z.record(z.string(), z.unknown()).nullable(),
  /** The channel's reference: the delivery, issue and comment, or Slack thread that asked. */
  channel_ref: ChannelRef.nullable().default(null),
});
export type TaskDetail = z.infer<typeof TaskDetail>;

export const CancelTaskResponse = z.object({
  task_id: z.string(),
  status: z.literal('CANCELLED'),
  cancelled_at: z.string(),
});
export type CancelTaskResponse = z.infer<typeof CancelTaskResponse>;

export const NudgeRequest = z.strictObject({ message: z.string().trim().min(1).max(2000) });
export const NudgeResponse = z.object({ nudge_id: z.string(), task_id: z.string() });
export type NudgeResponse = z.infer<typeof NudgeResponse>;

export const ListTasksQuery = z.strictObject({
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
    .pipe(z.array(TaskStatus).min(1))
    .optional(),
  repo: RepoName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  next_token: z.string().max(200).optional(),
  user: z.string().max(100).optional(),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;
