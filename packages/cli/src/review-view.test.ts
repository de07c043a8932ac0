import type { TaskDetail } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { outcomeLines, reviewLine, taskDetailLines } from './task-view.ts';

const plain = { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String };

const task = (outcome: TaskDetail['outcome']): TaskDetail => ({
  task_id: '01J9Z3K8Q2W5V7X1Y4T6R8N0MB',
  status: 'COMPLETED',
  repo: 'acme/app',
  user_id: 'alice',
  workflow_ref: 'coding/pr-review-v1',
  task_description: null,
  issue_number: null,
  pr_number: 12,
  current_step: null,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:01:00.000Z',
  completed_at: '2026-12-01T10:01:00.000Z',
  error: null,
  max_turns: 100,
  max_budget_usd: 5,
  branch_name: 'abca/x',
  pr_url: 'https://github.com/acme/app/pull/12',
  queue_position: null,
  estimated_wait_s: null,
  started_at: null,
  outcome,
  channel: 'cli',
  channel_ref: { channel: 'cli' },
  usage: { input_tokens: 1, output_tokens: 1, cost_usd: 0, turns: 1, priced: true },
});

describe('a review task in the CLI', () => {
  const review = { verdict: 'request_changes', comments: 2, moved: 1, url: 'https://x/pr/12#r1' };

  it('shows the posted review in the task detail and at the end of --wait', () => {
    const t = task({ review });
    const line =
      'request changes, 2 line comments, 1 comment outside the diff moved to the summary https://x/pr/12#r1';
    expect(reviewLine(t)).toBe(line);
    expect(taskDetailLines(t, plain).join('\n')).toContain(`review:      ${line}`);
    expect(outcomeLines(t, plain).join('\n')).toContain(`  Review: ${line}`);
  });

  it('says nothing for a task without a review, or an outcome it cannot read', () => {
    expect(reviewLine(task(null))).toBeUndefined();
    expect(reviewLine(task({ review: { verdict: 'lgtm' } }))).toBeUndefined();
    expect(taskDetailLines(task(null), plain).join('\n')).not.toContain('review:');
    expect(reviewLine(task({ review: { ...review, comments: 1, moved: 0, url: null } }))).toBe(
      'request changes, 1 line comment',
    );
  });
});
