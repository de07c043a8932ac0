import type { Octokit } from '@octokit/rest';
import type { FailingCheck } from '../../../ports/forge.ts';
import { listFirst } from './pages.ts';

/** At most this much of a check's output is kept: its end, where the failure usually is. */
export const MAX_LOG_TAIL_CHARS = 4_000;

/** Check run conclusions that count as a failure. */
const FAILED_RUN = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);
/** Commit status states that count as a failure. */
const FAILED_STATUS = new Set(['failure', 'error']);

/** The last `MAX_LOG_TAIL_CHARS` characters of `text`. */
export function tail(text: string): string {
  return text.length <= MAX_LOG_TAIL_CHARS ? text : text.slice(-MAX_LOG_TAIL_CHARS);
}

interface CheckRunData {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  details_url?: string | null;
  html_url?: string | null;
  completed_at?: string | null;
  output?: { title?: string | null; summary?: string | null; text?: string | null };
}

interface StatusData {
  context: string;
  state: string;
  description?: string | null;
  target_url?: string | null;
  updated_at?: string;
}

/**
 * The failing checks of a commit: the latest run of each check (`filter=latest`, at most 300) and
 * the combined status (the newest status of each context, at most 100). A run's log is the end of
 * its output (title, summary, text); a status' is its description. 2–4 requests.
 */
export async function failingChecks(
  o: Octokit,
  r: { owner: string; repo: string },
  sha: string,
): Promise<FailingCheck[]> {
  // No head commit known (a PR whose branch is gone reads as zeros): nothing to look up.
  if (!/^[0-9a-f]{40}$/.test(sha) || /^0+$/.test(sha)) return [];
  const runs = await listFirst<CheckRunData>(
    o,
    'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
    { ...r, ref: sha, filter: 'latest' },
    3,
    (data) => (data as { check_runs: CheckRunData[] }).check_runs,
  );
  const combined = await o.request('GET /repos/{owner}/{repo}/commits/{ref}/status', {
    ...r,
    ref: sha,
    per_page: 100,
  });
  const failedRuns: FailingCheck[] = runs
    .filter((run) => run.status === 'completed' && FAILED_RUN.has(run.conclusion ?? ''))
    .map((run) => ({
      id: String(run.id),
      name: run.name,
      kind: 'check_run',
      conclusion: run.conclusion ?? 'failure',
      logTail: tail(
        [run.output?.title, run.output?.summary, run.output?.text].filter((part) => !!part).join('\n\n'),
      ),
      url: run.details_url ?? run.html_url ?? null,
      completedAt: run.completed_at ?? null,
    }));
  const failedStatuses: FailingCheck[] = (combined.data.statuses as StatusData[])
    .filter((s) => FAILED_STATUS.has(s.state))
    .map((s) => ({
      id: s.context,
      name: s.context,
      kind: 'status',
      conclusion: s.state,
      logTail: tail(s.description ?? ''),
      url: s.target_url ?? null,
      completedAt: s.updated_at ?? null,
    }));
  return [...failedRuns, ...failedStatuses];
}
