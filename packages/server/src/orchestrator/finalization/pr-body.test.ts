import { describe, expect, it } from 'vitest';
import {
  prCostLine,
  replaceValidationSection,
  VALIDATION_END,
  VALIDATION_START,
  validationSection,
} from './pr-body.ts';

const verdict = (passed: boolean) => ({
  mode: 'regression_only' as const,
  passed,
  failing: passed ? [] : ['test'],
  checks: [],
});

describe('the PR body validation section', () => {
  it('replaces only the marked section, keeping what people wrote around it', () => {
    const first = validationSection({
      verdict: verdict(false),
      limit: null,
      blocked: [],
      warnings: [],
      cost: 'one',
    });
    const body = `Summary by the agent.\n\n${first}\n\nA note a reviewer added.`;
    const next = validationSection({
      verdict: verdict(true),
      limit: null,
      blocked: [],
      warnings: [],
      cost: prCostLine({ tasks: 2, turns: 7, inputTokens: 10, outputTokens: 5, costUsd: 0.25 }, 'T-2'),
    });
    const updated = replaceValidationSection(body, next);
    expect(updated).toContain('Summary by the agent.');
    expect(updated).toContain('A note a reviewer added.');
    expect(updated).toContain('### Validation (regression_only): passed');
    expect(updated).not.toContain('failed (test)');
    expect(updated).toContain('2 tasks (1 iteration; latest T-2)');
    expect(updated).toContain('$0.2500');
    expect(updated.split(VALIDATION_START)).toHaveLength(2);
    expect(updated.split(VALIDATION_END)).toHaveLength(2);
  });

  it('appends the section to a body whose markers were edited away', () => {
    const next = validationSection({
      verdict: verdict(true),
      limit: null,
      blocked: [],
      warnings: [],
      cost: 'c',
    });
    expect(replaceValidationSection('Just text.', next)).toBe(`Just text.\n\n${next}`);
    expect(replaceValidationSection(`x ${VALIDATION_START} never closed`, next)).toContain(next);
  });

  it('stays within what forges take, keeping the section whole', () => {
    const next = validationSection({
      verdict: verdict(true),
      limit: null,
      blocked: [],
      warnings: [],
      cost: 'c',
    });
    const huge = `${'h'.repeat(100_000)}\n${VALIDATION_START}\nold\n${VALIDATION_END}`;
    const out = replaceValidationSection(huge, next);
    expect(out.length).toBeLessThanOrEqual(60_000);
    expect(out.endsWith(next)).toBe(true);
    expect(out.split(VALIDATION_START)).toHaveLength(2);
  });
});
