import type { TaskDetail, TaskSummary } from '@abca/contracts';
import type { TaskRow } from '../store/task-row.ts';

export function toTaskSummary(t: TaskRow): TaskSummary {
  return {
    task_id: t.task_id,
    status: t.status,
    repo: t.repo,
    user_id: t.user_id,
    workflow_ref: t.workflow_ref,
    task_description: t.task_description,
    issue_number: t.issue_number,
    pr_number: t.pr_number,
    current_step: t.current_step,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
    completed_at: t.completed_at?.toISOString() ?? null,
    error: t.error,
    channel: t.channel,
  };
}

export function toTaskDetail(t: TaskRow, queue: { position?: number; etaS?: number } = {}): TaskDetail {
  return {
    ...toTaskSummary(t),
    max_turns: t.max_turns,
    max_budget_usd: t.max_budget_usd,
    branch_name: t.branch_name,
    pr_url: t.pr_url,
    queue_position: queue.position ?? null,
    estimated_wait_s: queue.etaS ?? null,
    started_at: t.started_at?.toISOString() ?? null,
    usage: {
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      cost_usd: t.cost_usd,
      turns: t.turns,
      priced: t.priced,
    },
    outcome: t.outcome,
    channel_ref: t.channel_ref,
  };
}
