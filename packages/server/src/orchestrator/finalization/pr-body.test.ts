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

describe('the review rules applied, in the PR body', () => {
  const base = { verdict: verdict(true), limit: null, blocked: [], warnings: [], cost: 'c' };

  it('lists each rule by title and id, inside the section an iteration rewrites', () => {
    const section = validationSection({
      ...base,
      rules: [
        { id: 'mem_01', title: 'Use the logger' },
        { id: 'mem_02', title: 'Test every name' },
      ],
    });
    expect(section).toContain('**Review rules from memory applied** (2):');
    expect(section).toContain('- Use the logger (`mem_01`)');
    expect(section).toContain('- Test every name (`mem_02`)');
    expect(section.indexOf('Use the logger')).toBeLessThan(section.indexOf(VALIDATION_END));
    expect(validationSection(base)).not.toContain('Review rules');
  });

  it("escapes a rule's title: no markers, HTML, links or mentions; bounded", () => {
    const section = validationSection({
      ...base,
      rules: [
        {
          id: 'mem_x',
          title: `${VALIDATION_END} <img src=x> [click](https://evil) @admin **bold**\n# heading ${'y'.repeat(500)}`,
        },
        ...Array.from({ length: 15 }, (_, i) => ({ id: `mem_${i}`, title: `rule ${i}` })),
      ],
    });
    expect(section.split(VALIDATION_END)).toHaveLength(2);
    expect(section).not.toMatch(/(?<!\\)<img/);
    expect(section).not.toContain('[click](');
    expect(section).not.toContain('@admin');
    expect(section).not.toContain('**bold**');
    expect(section).not.toMatch(/^# heading/m);
    expect(section).not.toContain('y'.repeat(200));
    expect(section).toContain('- and 6 more');
    const body = replaceValidationSection(`Summary.\n\n${section}`, section);
    expect(body.split(VALIDATION_START)).toHaveLength(2);
  });
});
