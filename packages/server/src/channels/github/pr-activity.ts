import type { Logger } from '../../ops/logger.ts';
import { nudgeWatch, watchesByHead } from '../../pr-loop/watch-store.ts';
import type { Queryable } from '../../storage/db.ts';
import { findGitHubRepo } from './handle-delivery.ts';
import { CheckRunPayload, CheckSuitePayload, PullRequestActivityPayload, StatusPayload } from './payloads.ts';

/** The events that tell the PR watcher something happened on a pull request. */
export const PR_ACTIVITY_EVENTS = new Set([
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread',
  'check_run',
  'check_suite',
  'status',
]);

/** What a PR-activity delivery names: the repo, pull requests by number, or a head commit. */
export type PrActivityTarget =
  | { kind: 'target'; ownerRepo: string; numbers: number[]; headSha?: string }
  | { kind: 'ignore'; reason: string };

type Parsed<T> = { success: true; data: T } | { success: false; error: import('zod').ZodError };

/**
 * Reads a PR-activity delivery (checked with its schema: a `ZodError` is a 400). Checks count
 * once completed; a commit status once it failed.
 */
export function prActivityTarget(event: string, json: unknown): Parsed<PrActivityTarget> {
  if (event === 'check_run' || event === 'check_suite') {
    const p = (event === 'check_run' ? CheckRunPayload : CheckSuitePayload).safeParse(json);
    if (!p.success) return p;
    const target = 'check_run' in p.data ? p.data.check_run : p.data.check_suite;
    if (p.data.action !== 'completed')
      return { success: true, data: { kind: 'ignore', reason: `${event}.${p.data.action} is not acted on` } };
    return {
      success: true,
      data: {
        kind: 'target',
        ownerRepo: p.data.repository.full_name,
        numbers: target.pull_requests.map((r) => r.number),
        headSha: target.head_sha,
      },
    };
  }
  if (event === 'status') {
    const p = StatusPayload.safeParse(json);
    if (!p.success) return p;
    if (p.data.state !== 'failure' && p.data.state !== 'error')
      return { success: true, data: { kind: 'ignore', reason: `a ${p.data.state} status is not acted on` } };
    return {
      success: true,
      data: { kind: 'target', ownerRepo: p.data.repository.full_name, numbers: [], headSha: p.data.sha },
    };
  }
  const p = PullRequestActivityPayload.safeParse(json);
  if (!p.success) return p;
  return {
    success: true,
    data: { kind: 'target', ownerRepo: p.data.repository.full_name, numbers: [p.data.pull_request.number] },
  };
}

/**
 * Marks the watches of the pull requests a delivery names due now (and wakes the pollers): the
 * watcher reads what happened from GitHub itself, so the payload is only a hint. A pull request
 * ABCA did not open is ignored. Returns the numbers nudged.
 */
export async function nudgeFromDelivery(
  db: Queryable,
  log: Logger,
  target: Extract<PrActivityTarget, { kind: 'target' }>,
): Promise<{ repo?: string; nudged: number[] }> {
  const repo = await findGitHubRepo(db, target.ownerRepo);
  if (!repo) return { nudged: [] };
  const numbers = new Set(target.numbers);
  if (target.headSha) for (const n of await watchesByHead(db, repo.repo, target.headSha)) numbers.add(n);
  const nudged: number[] = [];
  for (const n of [...numbers].slice(0, 20)) if (await nudgeWatch(db, repo.repo, n)) nudged.push(n);
  if (nudged.length) log.debug({ repo: repo.repo, nudged }, 'PR watches nudged by a GitHub delivery');
  return { repo: repo.repo, nudged };
}
