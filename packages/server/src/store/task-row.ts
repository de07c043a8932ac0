import { Channel, ChannelRef, TaskError, TaskStatus, WorkflowRef } from '@abca/contracts';
import { z } from 'zod';

/** A `tasks` row as read back from the database (validated: rows cross a trust boundary too). */
export const TaskRow = z.object({
  task_id: z.string(),
  user_id: z.string(),
  repo: z.string(),
  status: TaskStatus,
  workflow_ref: WorkflowRef,
  task_description: z.string().nullable(),
  issue_number: z.number().nullable(),
  pr_number: z.number().nullable(),
  max_turns: z.number(),
  max_budget_usd: z.number().nullable(),
  idempotency_key: z.string().nullable(),
  branch_name: z.string().nullable(),
  pr_url: z.string().nullable(),
  current_step: z.string().nullable(),
  error: TaskError.nullable(),
  outcome: z.record(z.string(), z.unknown()).nullable(),
  context: z.record(z.string(), z.unknown()).nullable(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost_usd: z.number(),
  /** Whether the tokens were priced (false: the model has no price); null before any model call. */
  priced: z.boolean().nullable(),
  turns: z.number(),
  /** Memory for this task: false leaves it out; null: the repo's setting (docs/memory.md). */
  memory: z.boolean().nullable(),
  /** Where the task came from; `channel_ref`: the channel's reference (null for the API). */
  channel: Channel,
  channel_ref: ChannelRef.nullable(),
  admitted_at: z.date().nullable(),
  /** The workflow run (0 first; each approval decision starts the next: docs/approvals.md). */
  run_seq: z.number().int(),
  /** The step the next run starts at, after the task waited at an approval gate there. */
  resume_step: z.string().nullable(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type TaskRow = z.infer<typeof TaskRow>;

export const TASK_COLUMNS = Object.keys(TaskRow.shape).join(', ');

export function parseTaskRow(row: unknown): TaskRow {
  return TaskRow.parse(row);
}

/** The durable workflow id of a task's run: the task id, then `<task id>.r<n>` after each approval. */
export function workflowIdOf(taskId: string, runSeq: number): string {
  return runSeq === 0 ? taskId : `${taskId}.r${runSeq}`;
}

/** {@link workflowIdOf} in SQL, for a `tasks` row aliased `t`. */
export const WORKFLOW_ID_OF_T =
  "CASE WHEN t.run_seq = 0 THEN t.task_id ELSE t.task_id || '.r' || t.run_seq END";
