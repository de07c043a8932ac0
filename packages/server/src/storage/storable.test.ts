import { describe, expect, it } from 'vitest';
import { storableText, toJsonb } from './storable.ts';

describe('storable text', () => {
  it('replaces NUL and lone surrogates, keeps pairs and everything else', () => {
    expect(storableText('a\0b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('x\uDC00')).toBe('x\uFFFD');
    expect(storableText('emoji 😀 and \\u0000 as text')).toBe('emoji 😀 and \\u0000 as text');
  });

  it('makes JSON for jsonb: strings and keys, nested, dates left to serialise themselves', () => {
    const at = new Date('2026-12-02T00:00:00Z');
    const json = toJsonb({ 'k\0': ['a\0', { deep: '\uD800' }], n: 1, at, none: null });
    expect(json).not.toMatch(/\\u0000|\\ud800/i);
    expect(JSON.parse(json)).toEqual({
      'k\uFFFD': ['a\uFFFD', { deep: '\uFFFD' }],
      n: 1,
      at: '2026-12-02T00:00:00.000Z',
      none: null,
    });
    expect(toJsonb(undefined)).toBe('null');
  });
});
