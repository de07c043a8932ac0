import { describe, expect, it } from 'vitest';
import { monotonicUlids, newUlid, pooledRandom } from './ids.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('ids', () => {
  it('are ULIDs, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newUlid();
      expect(id).toMatch(ULID);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
  });

  it('keep their order within a millisecond from a monotonic generator', () => {
    const next = monotonicUlids();
    const ids = Array.from({ length: 5_000 }, () => next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draw evenly from every character: the random part is not stuck or biased', () => {
    const counts = new Map<string, number>();
    const N = 4_000;
    for (let i = 0; i < N; i++)
      for (const ch of newUlid().slice(10)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    // 16 random characters an id over 32 symbols: 2,000 of each expected.
    expect(counts.size).toBe(32);
    for (const n of counts.values()) expect(Math.abs(n - (N * 16) / 32)).toBeLessThan(300);
    for (let i = 0; i < 10_000; i++) {
      const r = pooledRandom();
      expect(r >= 0 && r < 1).toBe(true);
    }
  });
});
