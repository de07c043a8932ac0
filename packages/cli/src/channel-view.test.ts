import type { TaskDetail } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { describeChannel, taskDetailLines } from './task-view.ts';

const plain = { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String };

describe('where a task came from, in abca status', () => {
  it('names each channel and its reference', () => {
    expect(describeChannel('api', null)).toBe('API');
    expect(describeChannel('cli', { channel: 'cli' })).toBe('CLI');
    expect(describeChannel('dashboard', { channel: 'dashboard' })).toBe('dashboard');
    expect(describeChannel('dashboard', null)).toBe('dashboard');
    expect(describeChannel('webhook', { channel: 'webhook', webhook_id: 'wh_1', delivery_id: 'msg_2' })).toBe(
      'webhook wh_1 (message msg_2)',
    );
    expect(
      describeChannel('github', {
        channel: 'github',
        delivery_id: 'd1',
        owner_repo: 'acme/app',
        issue_number: 12,
        comment_id: 345,
        trigger: 'mention',
        sender: 'octocat',
      }),
    ).toBe(
      'GitHub acme/app#12 comment 345 (mentioned by @octocat) https://github.com/acme/app/issues/12#issuecomment-345',
    );
    expect(
      describeChannel('github', {
        channel: 'github',
        delivery_id: 'd1',
        owner_repo: 'acme/app',
        issue_number: 7,
        trigger: 'label',
        sender: 'octocat',
      }),
    ).toBe('GitHub acme/app#7 (labelled by @octocat) https://github.com/acme/app/issues/7');
    expect(
      describeChannel('slack', {
        channel: 'slack',
        team_id: 'T1',
        channel_id: 'C1',
        thread_ts: '1700000000.000100',
        user_id: 'U1',
        delivery_id: 'Ev1',
      }),
    ).toBe('Slack team T1, channel C1, thread 1700000000.000100 (asked by U1)');
  });

  it('is a line of the status view', () => {
    const t = {
      task_id: '01J9Z3K8Q2W5V7X1Y4T6R8N0MB',
      status: 'RUNNING',
      repo: 'acme/app',
      user_id: 'alice',
      workflow_ref: 'coding/new-task-v1',
      task_description: 'x',
      issue_number: 7,
      pr_number: null,
      current_step: null,
      created_at: '2026-12-01T10:00:00.000Z',
      updated_at: '2026-12-01T10:01:00.000Z',
      completed_at: null,
      error: null,
      max_turns: 100,
      max_budget_usd: 5,
      branch_name: null,
      pr_url: null,
      queue_position: null,
      estimated_wait_s: null,
      started_at: null,
      outcome: null,
      channel: 'slack',
      channel_ref: {
        channel: 'slack',
        team_id: 'T1',
        channel_id: 'C1',
        thread_ts: '1.2',
        user_id: 'U1',
        delivery_id: 'Ev1',
      },
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, turns: 0, priced: null },
    } satisfies TaskDetail;
    expect(taskDetailLines(t, plain)).toContain(
      'channel:     Slack team T1, channel C1, thread 1.2 (asked by U1)',
    );
  });
});
