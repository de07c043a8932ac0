import type { Octokit } from '@octokit/rest';
import type { PrActivity, PrComment, PrReviewRecord, PullRequestInfo } from '../../../ports/forge.ts';
import { failingChecks } from './checks.ts';
import { listFirst, listNewest } from './pages.ts';
import { fetchReviewThreads } from './review-threads.ts';

/** The newest this many reviews, threads and conversation comments are listed. */
export const ACTIVITY_CAP = 300;

/** The fields of REST's `pull-request` the PR loop reads. */
export interface PullInfoData {
  number: number;
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  draft?: boolean;
  title: string;
  state: string;
  merged_at?: string | null;
  merged?: boolean;
  user: { login: string } | null;
  labels: ({ name?: string } | string)[];
  created_at: string;
  closed_at: string | null;
}

export function toPullInfo(p: PullInfoData): PullRequestInfo {
  return {
    number: p.number,
    url: p.html_url,
    branch: p.head.ref,
    base: p.base.ref,
    draft: p.draft ?? false,
    title: p.title,
    state: p.merged_at || p.merged ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    headSha: p.head.sha,
    author: p.user?.login ?? 'ghost',
    labels: p.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
    createdAt: p.created_at,
    mergedAt: p.merged_at ?? null,
    closedAt: p.closed_at ?? null,
  };
}

const REVIEW_STATE: Record<string, PrReviewRecord['state']> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes_requested',
  COMMENTED: 'commented',
  DISMISSED: 'dismissed',
};

interface ReviewData {
  id: number;
  user: { login: string } | null;
  state: string;
  body: string | null;
  submitted_at?: string;
}

interface IssueCommentData {
  id: number;
  user: { login: string } | null;
  body?: string | null;
  created_at: string;
}

interface CommitData {
  sha: string;
  author: { login: string } | null;
  commit: { author: { name?: string } | null };
}

export const toComment = (c: IssueCommentData): PrComment => ({
  id: String(c.id),
  author: c.user?.login ?? 'ghost',
  body: c.body ?? '',
  createdAt: c.created_at,
});

/** The conversation of a pull request (its issue comments), the newest `cap`, oldest first. */
export function conversation(
  o: Octokit,
  r: { owner: string; repo: string },
  number: number,
  cap: number,
): Promise<PrComment[]> {
  return listNewest<IssueCommentData>(
    o,
    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    { ...r, issue_number: number },
    cap,
  ).then((comments) => comments.map(toComment));
}

/**
 * Everything on a pull request: the PR (1 request), its reviews and conversation (the newest 300
 * each: 1–5 requests each), review threads over GraphQL (the newest 300: 1–3), the failing checks
 * of its head commit (2–4) and its commits (GitHub lists at most 250: 1–3). 7 requests at least.
 */
export async function readActivity(
  o: Octokit,
  r: { owner: string; repo: string },
  number: number,
): Promise<PrActivity> {
  const pull = (await o.rest.pulls.get({ ...r, pull_number: number })).data as PullInfoData;
  const pr = toPullInfo(pull);
  const reviews = await listNewest<ReviewData>(
    o,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    { ...r, pull_number: number },
    ACTIVITY_CAP,
  );
  const threads = await fetchReviewThreads(o, r, number, Math.ceil(ACTIVITY_CAP / 100));
  const comments = await conversation(o, r, number, ACTIVITY_CAP);
  const failing = await failingChecks(o, r, pr.headSha);
  const commits = await listFirst<CommitData>(
    o,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/commits',
    { ...r, pull_number: number },
    3,
  );
  return {
    pr,
    reviews: reviews
      .filter((v) => v.state !== 'PENDING')
      .map((v) => ({
        id: String(v.id),
        author: v.user?.login ?? 'ghost',
        state: REVIEW_STATE[v.state] ?? 'commented',
        body: v.body ?? '',
        submittedAt: v.submitted_at ?? '',
      })),
    threads,
    comments,
    failingChecks: failing,
    commits: commits.map((c) => ({
      sha: c.sha,
      author: c.author?.login ?? c.commit.author?.name ?? 'unknown',
    })),
  };
}
