import { taskError } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../store/task-row.ts';
import { renderStatusComment, statusMarker } from './status-comment.ts';

const base: TaskRow = {
  task_id: '01TASK',
  user_id: 'alice',
  repo: 'acme/web',
  status: 'QUEUED',
  workflow_ref: 'coding/new-task-v1',
  task_description: null,
  issue_number: 4,
  pr_number: null,
  max_turns: 50,
  max_budget_usd: null,
  idempotency_key: null,
  branch_name: null,
  pr_url: null,
  current_step: null,
  error: null,
  outcome: null,
  context: null,
  input_tokens: 0,
  output_tokens: 0,
  cost_usd: 0,
  priced: null,
  turns: 0,
  memory: null,
  channel: 'github',
  channel_ref: null,
  admitted_at: null,
  run_seq: 0,
  resume_step: null,
  started_at: null,
  completed_at: null,
  created_at: new Date(),
  updated_at: new Date(),
};

describe('the status comment', () => {
  it('says each state in words, with the marker that finds it again', () => {
    const said = {
      QUEUED: /Queued/,
      HYDRATING: /Started/,
      RUNNING: /Working\*\* \(step `agent-execution`\)/,
      FINALIZING: /Finalizing/,
      COMPLETED: /Completed/,
      CANCELLED: /Cancelled/,
      TIMED_OUT: /Timed out/,
    } as const;
    for (const [status, pattern] of Object.entries(said)) {
      const body = renderStatusComment(
        { ...base, status: status as TaskRow['status'], current_step: 'agent-execution' },
        undefined,
      );
      expect(body, status).toMatch(pattern);
      expect(body.endsWith(statusMarker('01TASK'))).toBe(true);
      expect(statusMarker('01TASK')).toBe('<!-- abca:task:01TASK -->');
    }
  });

  it('links the PR once opened, and shows cost and turns', () => {
    const body = renderStatusComment(
      { ...base, status: 'COMPLETED', cost_usd: 0.01234, turns: 3, priced: true },
      'https://github.com/acme/web/pull/9',
    );
    expect(body).toContain('Pull request: https://github.com/acme/web/pull/9');
    expect(body).toContain('Cost $0.0123 · 3 turns');
    expect(renderStatusComment({ ...base, status: 'FINALIZING' }, 'https://x/pull/1')).toMatch(
      /Pull request opened/,
    );
    expect(renderStatusComment({ ...base, priced: false, turns: 1 }, undefined)).toContain(
      'Cost unpriced · 1 turn<',
    );
  });

  it('gives a failure its message, code and remedy, on one line each, pinging nobody', () => {
    const error = { ...taskError('INSUFFICIENT_PERMISSIONS'), message: 'push refused\n@everyone look' };
    const body = renderStatusComment({ ...base, status: 'FAILED', error }, undefined);
    expect(body).toMatch(/Failed/);
    expect(body).toContain('push refused @\u200beveryone look (`INSUFFICIENT_PERMISSIONS`)');
    expect(body).toContain(`**Remedy:** ${taskError('INSUFFICIENT_PERMISSIONS').remedy}`);
    expect(body).not.toMatch(/(^|\s)@everyone/);
  });
});
