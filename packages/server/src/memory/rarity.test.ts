import { describe, expect, it } from 'vitest';
import { BODY_MATCH_WEIGHT, rarity, rarityScore } from './rarity.ts';

describe('rarity', () => {
  it('is 1 for a word one record holds, whatever the repo size, and falls as more records hold it', () => {
    for (const records of [1, 40, 100_000]) expect(rarity(1, records)).toBeCloseTo(1, 9);
    const big = [1, 10, 100, 1_000, 10_000, 100_000].map((n) => rarity(n, 100_000));
    for (let i = 1; i < big.length; i++) expect(big[i]).toBeLessThan(big[i - 1] as number);
    // A word in every record of a big repo says almost nothing; it never goes negative.
    expect(big.at(-1)).toBeGreaterThan(0);
    expect(big.at(-1)).toBeLessThan(0.01);
  });

  it('counts a word as fairly rare in a repo too small to tell', () => {
    // Three records all holding `greet`: still over the selection's floor (select.ts, 0.75).
    expect(rarity(3, 3)).toBeGreaterThan(0.8);
    expect(rarity(3, 3)).toBeLessThan(1);
    // The same share of a big repo is common.
    expect(rarity(30_000, 30_000)).toBeLessThan(0.1);
  });

  it('takes bad counts without NaN: no records, more holders than records', () => {
    expect(rarity(0, 0)).toBeCloseTo(1, 9);
    expect(Number.isFinite(rarity(50, 10))).toBe(true);
    expect(rarity(50, 10)).toBeGreaterThan(0);
  });

  it('sums the words a record holds, a body match weighing less than a title match', () => {
    expect(rarityScore([])).toBe(0);
    expect(
      rarityScore([
        { rarity: 1, inTitle: true },
        { rarity: 0.5, inTitle: false },
      ]),
    ).toBeCloseTo(1 + 0.5 * BODY_MATCH_WEIGHT, 9);
    expect(BODY_MATCH_WEIGHT).toBeLessThan(1);
  });
});
