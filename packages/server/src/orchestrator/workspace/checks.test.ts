import { describe, expect, it } from 'vitest';
import { type CheckResult, judge, scrub } from './checks.ts';

const c = (name: string, ok: boolean): CheckResult => ({
  name,
  command: name,
  exitCode: ok ? 0 : 1,
  ok,
  durationMs: 1,
  outputTail: '',
});

describe('validation gate', () => {
  it('strict fails on any red check', () => {
    expect(judge('strict', [c('test', false)], [c('test', false)])).toMatchObject({
      passed: false,
      failing: ['test'],
    });
    expect(judge('strict', [], [c('test', true), c('lint', true)]).passed).toBe(true);
  });
  it('regression_only fails only on green-to-red', () => {
    expect(judge('regression_only', [c('test', false)], [c('test', false)]).passed).toBe(true);
    expect(judge('regression_only', [c('test', true)], [c('test', false)])).toMatchObject({
      passed: false,
      failing: ['test'],
    });
    expect(judge('regression_only', [], [c('lint', false)]).passed).toBe(false); // no baseline: treated as green before
  });
  it('informational never fails', () => {
    expect(judge('informational', [c('test', true)], [c('test', false)])).toMatchObject({
      passed: true,
      failing: [],
    });
  });
  it('scrubs secrets from output', () => {
    expect(scrub('token ghp_abcdef123 here', ['ghp_abcdef123'])).toBe('token [redacted] here');
  });
});
