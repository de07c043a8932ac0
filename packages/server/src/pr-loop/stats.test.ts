import { describe, expect, it } from 'vitest';
import { prStats, type StatsInput } from './stats.ts';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const at = (h: number | null) => (h === null ? null : new Date(T0 + h * 3_600_000).toISOString());

/** One PR of the scripted history: hours after opening for the first review and the merge. */
function pr(
  repo: string,
  state: StatsInput['state'],
  o: { iter?: number; human?: number; cycles?: number; cost: number; review?: number; merge?: number },
): StatsInput {
  return {
    repo,
    state,
    opened_at: at(0) as string,
    first_review_at: at(o.review ?? null),
    merged_at: state === 'merged' ? at(o.merge ?? 1) : null,
    review_cycles: o.cycles ?? 0,
    iteration_tasks: o.iter ?? 0,
    human_commits: o.human ?? 0,
    cost_usd: o.cost,
  };
}

/**
 * Ten PRs, six on repo a and four on repo b. "First-review merge": merged with no iteration task
 * and no human commit.
 *  #  repo state   iter human cycles cost  review(h) merge(h)  first-review merge?
 *  1  a    merged  0    0     0      1.00  2         4         yes
 *  2  a    merged  1    0     1      2.00  1         10        no (an iteration)
 *  3  a    merged  0    1     1      0.50  3         6         no (a human commit)
 *  4  a    closed  2    0     2      3.00  5         -
 *  5  a    open    0    0     0      0.25  -         -
 *  6  a    merged  0    0     0      1.50  -         2         yes
 *  7  b    merged  0    0     1      0.75  1         3         yes (a comment review, no revision)
 *  8  b    closed  0    0     0      0.40  -         -
 *  9  b    merged  3    0     3      4.00  0.5       48        no
 * 10  b    open    1    0     1      1.10  6         -
 */
const HISTORY: StatsInput[] = [
  pr('a', 'merged', { cost: 1.0, review: 2, merge: 4 }),
  pr('a', 'merged', { iter: 1, cycles: 1, cost: 2.0, review: 1, merge: 10 }),
  pr('a', 'merged', { human: 1, cycles: 1, cost: 0.5, review: 3, merge: 6 }),
  pr('a', 'closed', { iter: 2, cycles: 2, cost: 3.0, review: 5 }),
  pr('a', 'open', { cost: 0.25 }),
  pr('a', 'merged', { cost: 1.5, merge: 2 }),
  pr('b', 'merged', { cycles: 1, cost: 0.75, review: 1, merge: 3 }),
  pr('b', 'closed', { cost: 0.4 }),
  pr('b', 'merged', { iter: 3, cycles: 3, cost: 4.0, review: 0.5, merge: 48 }),
  pr('b', 'open', { iter: 1, cycles: 1, cost: 1.1, review: 6 }),
];

describe('PR stats from a scripted history of ten PRs', () => {
  const stats = prStats(HISTORY);

  it('overall', () => {
    expect(stats.overall).toEqual({
      prs: 10,
      open: 2,
      // #1 #2 #3 #6 #7 #9
      merged: 6,
      // #4 #8
      closed: 2,
      // #1 #6 #7 of the 8 ended
      first_review_merge_rate: 0.375,
      // (0+1+1+2+0+0+1+0+3+1) / 10
      revision_cycles_per_pr: 0.9,
      // 6 of the 8 ended
      merged_share: 0.75,
      // (1 + 2 + 0.5 + 1.5 + 0.75 + 4) / 6 = 9.75 / 6
      cost_per_merged_pr_usd: 1.625,
      // 0.5 1 1 2 3 5 6 → 2
      median_hours_to_first_review: 2,
      // 2 3 4 6 10 48 → (4 + 6) / 2
      median_hours_to_merge: 5,
    });
  });

  it('per repo', () => {
    expect(stats.repos).toEqual([
      {
        repo: 'a',
        prs: 6,
        open: 1,
        merged: 4,
        closed: 1,
        // #1 #6 of the 5 ended
        first_review_merge_rate: 0.4,
        // 4 / 6
        revision_cycles_per_pr: 0.6667,
        // 4 of 5
        merged_share: 0.8,
        // (1 + 2 + 0.5 + 1.5) / 4
        cost_per_merged_pr_usd: 1.25,
        // 1 2 3 5 → 2.5
        median_hours_to_first_review: 2.5,
        // 2 4 6 10 → 5
        median_hours_to_merge: 5,
      },
      {
        repo: 'b',
        prs: 4,
        open: 1,
        merged: 2,
        closed: 1,
        // #7 of the 3 ended
        first_review_merge_rate: 0.3333,
        // 5 / 4
        revision_cycles_per_pr: 1.25,
        // 2 of 3
        merged_share: 0.6667,
        // (0.75 + 4) / 2
        cost_per_merged_pr_usd: 2.375,
        // 0.5 1 6 → 1
        median_hours_to_first_review: 1,
        // 3 48 → 25.5
        median_hours_to_merge: 25.5,
      },
    ]);
  });

  it('nothing to divide by gives null, not 0', () => {
    expect(prStats([pr('c', 'open', { cost: 0.1 })]).overall).toMatchObject({
      prs: 1,
      first_review_merge_rate: null,
      merged_share: null,
      cost_per_merged_pr_usd: null,
      median_hours_to_first_review: null,
      median_hours_to_merge: null,
      revision_cycles_per_pr: 0,
    });
    expect(prStats([]).overall.revision_cycles_per_pr).toBeNull();
  });
});
