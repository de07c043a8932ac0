import type { TaskEventRecord } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { stepRuns, stepsTable } from './steps.ts';

let seq = 0;
const ev = (type: string, data: Record<string, unknown>): TaskEventRecord => ({
  task_id: 'T',
  seq: ++seq,
  type,
  data,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
});

describe('the steps of a task', () => {
  it('pairs each start with its end: outcomes, retries, waits and the step still running', () => {
    const runs = stepRuns([
      ev('step.started', { step: 'admission', attempt: 1, executor_id: 'w' }),
      ev('step.completed', {
        step: 'admission',
        attempt: 1,
        duration_ms: 20,
        result: 'continue',
        outcome: 'succeeded',
      }),
      ev('step.started', { step: 'pre-flight', attempt: 1, executor_id: 'w' }),
      ev('step.failed', {
        step: 'pre-flight',
        attempt: 1,
        duration_ms: 900,
        error: 'boom',
        will_retry: true,
      }),
      ev('step.started', { step: 'pre-flight', attempt: 2, executor_id: 'w' }),
      ev('step.completed', {
        step: 'pre-flight',
        attempt: 2,
        duration_ms: 30,
        result: 'continue',
        outcome: 'skipped',
      }),
      ev('step.started', { step: 'finalization', attempt: 1, executor_id: 'w' }),
      ev('step.completed', {
        step: 'finalization',
        attempt: 1,
        duration_ms: 40,
        result: 'await',
        outcome: 'awaiting_approval',
      }),
      ev('step.started', { step: 'finalization', attempt: 1, executor_id: 'w' }),
    ]);
    expect(runs.map((r) => [r.step, r.attempt, r.outcome])).toEqual([
      ['admission', 1, 'succeeded'],
      ['pre-flight', 1, 'failed, retried'],
      ['pre-flight', 2, 'skipped'],
      ['finalization', 1, 'awaiting_approval'],
      ['finalization', 1, 'running'],
    ]);
    const table = stepsTable(runs).toString();
    expect(table).toContain('<td class="outcome o-failed">failed, retried <code>boom</code></td>');
    expect(table).toContain('<td class="outcome o-awaiting_approval">awaiting approval</td>');
    expect(table).toContain('<td class="outcome o-running">running</td>');
  });
});
