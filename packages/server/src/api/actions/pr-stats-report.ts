import type { PrStats, PrStatsQuery } from '@abca/contracts';
import { listOutcomes } from '../../pr-loop/outcomes.ts';
import { prStats } from '../../pr-loop/stats.ts';
import type { Queryable } from '../../storage/db.ts';
import type { Principal } from '../../store/api-key-store.ts';

/**
 * The PR loop's figures, overall and per repo, whoever asks (`GET /v1/stats` and the dashboard's
 * stats page). A member's figures cover the PRs of their own tasks; an admin's all.
 */
export async function prStatsReport(db: Queryable, principal: Principal, q: PrStatsQuery): Promise<PrStats> {
  const prs = await listOutcomes(db, {
    comments: false,
    ...(q.repo ? { repo: q.repo } : {}),
    ...(q.since ? { since: q.since } : {}),
    ...(principal.role === 'admin' ? {} : { userId: principal.userId }),
  });
  return prStats(prs);
}
