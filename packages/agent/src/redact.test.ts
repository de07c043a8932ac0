import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.ts';

describe('createRedactor', () => {
  const { redact, redactValue } = createRedactor(['my-very-secret', 'my-very-secret-longer', 'ab']);

  it('replaces given secrets, longest first, and ignores very short ones', () => {
    expect(redact('x my-very-secret-longer y my-very-secret z')).toBe('x [REDACTED] y [REDACTED] z');
    expect(redact('ab cab')).toBe('ab cab');
  });

  it('replaces common token shapes', () => {
    const samples = [
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      'sk-proj-abcdefghijklmnopqrstuvwxyz012345',
      'AKIAIOSFODNN7EXAMPLE',
      'xoxb-1234567890-abcdefghij',
    ];
    for (const sample of samples) expect(redact(`token: ${sample}.`)).toBe('token: [REDACTED].');
    expect(redact('Authorization: Bearer eyJhbGciOi.payload.sig')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('redacts deep values without mutating them', () => {
    const value = { a: ['my-very-secret'], b: { c: 'ok', n: 1 } };
    expect(redactValue(value)).toEqual({ a: ['[REDACTED]'], b: { c: 'ok', n: 1 } });
    expect(value.a[0]).toBe('my-very-secret');
  });
});
