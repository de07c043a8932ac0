import type { TaskEvent } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { describeEvent } from './format-event.ts';
import { colorsFor } from './output.ts';

const c = colorsFor({ isTTY: false } as NodeJS.WriteStream, { NO_COLOR: '1' });
const ev = (type: string, data: Record<string, unknown>): TaskEvent => ({
  task_id: 'T',
  seq: 1,
  type,
  at: '2026-01-01T00:00:00Z',
  data,
});

describe('live event lines', () => {
  it('says when a task moved to another worker and how its workspace came back', () => {
    expect(
      describeEvent(ev('workspace.restored', { head: 'abc1234def', executor_id: 'host-b-worker-1' }), c),
    ).toBe('  moved to worker host-b-worker-1: workspace restored from the checkpoint');
    expect(describeEvent(ev('workspace.recreated', { base_commit: 'x', executor_id: 'w2' }), c)).toMatch(
      /new workspace, the agent starts over/,
    );
    expect(describeEvent(ev('workspace.checkpoint_saved', { head: 'abc1234def', bytes: 10 }), c)).toContain(
      'abc1234',
    );
  });

  it('describes pre-flight, sandbox and validation events in words', () => {
    expect(
      describeEvent(ev('preflight.baseline', { check: 'test', ok: false, duration_ms: 120 }), c),
    ).toMatch(/baseline test: fail/);
    expect(describeEvent(ev('sandbox.egress_blocked', { host: 'evil.example.com', port: 443 }), c)).toContain(
      'evil.example.com',
    );
    expect(
      describeEvent(
        ev('finalization.validation', {
          mode: 'strict',
          passed: false,
          checks: [{ name: 'test', ok: false }],
        }),
        c,
      ),
    ).toBe('  validation (strict): failed — test fail');
  });

  it('says a step was interrupted by a server stop, not failed nor done', () => {
    const line = describeEvent(ev('step.interrupted', { step: 'agent-execution', attempt: 1 }), c);
    expect(line).toMatch(/agent-execution interrupted by a server stop; it resumes on the next start/);
    expect(line).not.toMatch(/✓|✗/);
    expect(describeEvent(ev('agent.interrupted', { turns: 3 }), c)).toMatch(
      /after 3 turns .*transcript is saved/,
    );
  });

  it('stays quiet for per-turn summaries and falls back to the type for unknown events', () => {
    expect(describeEvent(ev('agent.turn_completed', { turn: 1 }), c)).toBe('');
    expect(describeEvent(ev('something.new', { a: 1 }), c)).toMatch(/^something\.new/);
  });
});
