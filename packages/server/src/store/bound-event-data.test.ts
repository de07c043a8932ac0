import { describe, expect, it } from 'vitest';
import { boundEventData } from './bound-event-data.ts';

describe('boundEventData', () => {
  it('keeps small data as it is', () => {
    const data = { a: 'x', n: 1, nested: { b: ['y'] } };
    expect(boundEventData(data, 1024)).toBe(data);
  });

  it('cuts long strings, nested ones included, until the data fits', () => {
    const data = { result: 'y'.repeat(200_000), args: { command: 'z'.repeat(50_000) }, turn: 3 };
    const out = boundEventData(data, 16 * 1024);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(16 * 1024);
    expect(out.turn).toBe(3);
    expect(String(out.result)).toMatch(/^y+… \[\d+ more characters cut\]$/);
    expect(String((out.args as { command: string }).command)).toMatch(/more characters cut/);
  });

  it('drops data that cannot be cut small enough, keeping its keys', () => {
    const data = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const out = boundEventData(data, 1024);
    expect(out).toMatchObject({ truncated: true });
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(1024);
  });
});
