import type { PrOutcome, PrStats, PrStatsFigures } from '@abca/contracts';

/** What the figures need of one pull request's outcome. */
export type StatsInput = Pick<
  PrOutcome,
  | 'repo'
  | 'state'
  | 'opened_at'
  | 'first_review_at'
  | 'merged_at'
  | 'review_cycles'
  | 'iteration_tasks'
  | 'human_commits'
  | 'cost_usd'
>;

const HOUR_MS = 3_600_000;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;
const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / HOUR_MS;

/**
 * Merged at its first review: merged with no revision after it was opened — no iteration task
 * and no human commit on its branch (docs/pr-loop.md "Outcomes and stats").
 */
export function mergedAtFirstReview(p: StatsInput): boolean {
  return p.state === 'merged' && p.iteration_tasks === 0 && p.human_commits === 0;
}

/** The loop's figures over a set of pull requests (docs/pr-loop.md defines each). */
export function statsFigures(prs: readonly StatsInput[]): PrStatsFigures {
  const merged = prs.filter((p) => p.state === 'merged');
  const closed = prs.filter((p) => p.state === 'closed');
  const ended = merged.length + closed.length;
  const reviewed = prs.filter((p) => p.first_review_at !== null);
  return {
    prs: prs.length,
    open: prs.length - ended,
    merged: merged.length,
    closed: closed.length,
    first_review_merge_rate: round(ratio(merged.filter(mergedAtFirstReview).length, ended)),
    revision_cycles_per_pr: round(
      ratio(
        prs.reduce((sum, p) => sum + p.review_cycles, 0),
        prs.length,
      ),
    ),
    merged_share: round(ratio(merged.length, ended)),
    cost_per_merged_pr_usd: round(
      ratio(
        merged.reduce((sum, p) => sum + p.cost_usd, 0),
        merged.length,
      ),
      6,
    ),
    median_hours_to_first_review: round(
      median(reviewed.map((p) => hours(p.opened_at, p.first_review_at as string))),
    ),
    median_hours_to_merge: round(median(merged.map((p) => hours(p.opened_at, p.merged_at as string)))),
  };
}

/** Overall and per repo (repos by name). */
export function prStats(prs: readonly StatsInput[]): PrStats {
  const byRepo = new Map<string, StatsInput[]>();
  for (const p of prs) byRepo.set(p.repo, [...(byRepo.get(p.repo) ?? []), p]);
  return {
    overall: statsFigures(prs),
    repos: [...byRepo.keys()].sort().map((repo) => ({ repo, ...statsFigures(byRepo.get(repo) ?? []) })),
  };
}
