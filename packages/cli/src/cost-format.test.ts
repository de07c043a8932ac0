import type { TaskDetail } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { formatCost } from './commands/usage.ts';
import { outcomeLines, taskDetailLines } from './task-view.ts';

const plain = { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String };

const task = (usage: Partial<TaskDetail['usage']>): TaskDetail => ({
  task_id: '01J9Z3K8Q2W5V7X1Y4T6R8N0MB',
  status: 'COMPLETED',
  repo: 'acme/app',
  user_id: 'alice',
  workflow_ref: 'coding/new-task-v1',
  task_description: 'x',
  issue_number: null,
  pr_number: null,
  current_step: null,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:01:00.000Z',
  completed_at: '2026-12-01T10:01:00.000Z',
  error: null,
  max_turns: 100,
  max_budget_usd: 5,
  branch_name: null,
  pr_url: null,
  queue_position: null,
  estimated_wait_s: null,
  started_at: null,
  outcome: null,
  channel: 'cli',
  channel_ref: { channel: 'cli' },
  usage: { input_tokens: 1200, output_tokens: 300, cost_usd: 0, turns: 2, priced: null, ...usage },
});

describe('costs in the CLI', () => {
  it('a task on an unpriced model shows "unpriced", never a dollar figure', () => {
    const unpriced = task({ priced: false });
    expect(taskDetailLines(unpriced, plain).join('\n')).toContain(
      'usage:       2 turns, 1200 input / 300 output tokens, unpriced',
    );
    expect(outcomeLines(unpriced, plain).join('\n')).toContain('unpriced');
    expect(outcomeLines(unpriced, plain).join('\n')).not.toContain('$0.0000');
  });

  it('a priced task (a free model included) shows its dollars', () => {
    expect(taskDetailLines(task({ priced: true }), plain).join('\n')).toContain('tokens, $0.0000');
    expect(taskDetailLines(task({ priced: true, cost_usd: 0.8 }), plain).join('\n')).toContain('$0.8000');
  });

  it('usage groups show the dollars and how many tasks are unpriced', () => {
    const totals = { tasks: 3, unpriced_tasks: 0, input_tokens: 1, output_tokens: 1, cost_usd: 1.25 };
    expect(formatCost(totals, plain)).toBe('$1.2500');
    expect(formatCost({ ...totals, unpriced_tasks: 1 }, plain)).toBe('$1.2500 + 1 unpriced');
    expect(formatCost({ ...totals, unpriced_tasks: 3, cost_usd: 0 }, plain)).toBe('3 unpriced');
  });
});
