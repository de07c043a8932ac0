import { describe, expect, it } from 'vitest';
import { detectStuck, recordToolCalls, toolCallKey } from './stuck-detector.ts';

const fail = (key: string) => ({ key, isError: true });
const ok = (key: string) => ({ key, isError: false });

describe('stuck detector', () => {
  it('keys ignore argument order', () => {
    expect(toolCallKey('t', { a: 1, b: [1, { y: 2, x: 1 }] })).toBe(
      toolCallKey('t', { b: [1, { x: 1, y: 2 }], a: 1 }),
    );
  });
  it('three identical failing calls in a row', () => {
    expect(detectStuck([fail('a'), fail('a'), fail('a')])).toBe('repeated_failure');
    expect(detectStuck([fail('a'), ok('edit'), fail('a'), ok('edit'), fail('a')])).toBeUndefined();
    expect(detectStuck([fail('a'), fail('a'), ok('a')])).toBeUndefined();
  });
  it('five failures among the last six calls', () => {
    expect(detectStuck([fail('a'), fail('b'), ok('c'), fail('d'), fail('e'), fail('f')])).toBe(
      'failure_streak',
    );
    expect(detectStuck([fail('a'), fail('b'), ok('c'), fail('d'), ok('e'), fail('f')])).toBeUndefined();
  });
  it('keeps a bounded window', () => {
    const history = recordToolCalls(
      [],
      Array.from({ length: 10 }, (_, i) => fail(String(i))),
    );
    expect(history).toHaveLength(6);
  });
});
