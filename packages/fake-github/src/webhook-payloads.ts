import { commitInfo, git } from './git.ts';
import { nodeId } from './node-ids.ts';
import { checkRunJson, checkSuiteJson } from './rest/checks.ts';
import { commitJson } from './rest/commits.ts';
import { issueCommentJson, issueJson, labelJson } from './rest/issues.ts';
import { pullJson } from './rest/pulls.ts';
import { reviewCommentJson } from './rest/review-comments.ts';
import { reviewJson } from './rest/reviews.ts';
import type { Urls } from './rest/route.ts';
import { statusJson } from './rest/statuses.ts';
import type {
  CheckRun,
  CheckSuite,
  CommitStatus,
  IssueComment,
  RepoState,
  Review,
  ReviewComment,
  ReviewThread,
  Thread,
  World,
} from './state.ts';
import { reviewThreadComments } from './threads.ts';

/**
 * The event-specific part of each webhook payload the fake sends, in GitHub's shapes; the sink
 * (webhooks.ts) lays it over GitHub's example payload and adds `repository`, `sender` and
 * `installation`.
 */

type Payload = Record<string, unknown>;

export async function pullRequestEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  action: string,
  extra: Payload = {},
): Promise<Payload> {
  return {
    action,
    number: thread.number,
    pull_request: await pullJson(world, urls, repo, thread, true),
    ...extra,
  };
}

export async function reviewEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  review: Review,
): Promise<Payload> {
  return {
    action: 'submitted',
    // Webhooks spell a review's state in lower case (`changes_requested`), REST in upper case.
    review: { ...reviewJson(world, urls, repo, thread, review), state: review.state.toLowerCase() },
    pull_request: await pullJson(world, urls, repo, thread, false),
  };
}

export async function reviewCommentEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  comment: ReviewComment,
): Promise<Payload> {
  const pull = await pullJson(world, urls, repo, thread, false);
  const head = (pull.head as { sha: string }).sha;
  return {
    action: 'created',
    comment: reviewCommentJson(world, urls, repo, thread, comment, head),
    pull_request: pull,
  };
}

export async function reviewThreadEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  review: ReviewThread,
): Promise<Payload> {
  const pull = await pullJson(world, urls, repo, thread, false);
  const head = (pull.head as { sha: string }).sha;
  return {
    action: review.resolved ? 'resolved' : 'unresolved',
    thread: {
      node_id: nodeId('PullRequestReviewThread', review.id),
      comments: reviewThreadComments(thread.pull!, review).map((c) =>
        reviewCommentJson(world, urls, repo, thread, c, head, review.outdated),
      ),
    },
    pull_request: pull,
  };
}

export async function checkRunEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  run: CheckRun,
  action: string,
): Promise<Payload> {
  return { action, check_run: await checkRunJson(world, urls, repo, run, true) };
}

export async function checkSuiteEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  suite: CheckSuite,
  action: string,
): Promise<Payload> {
  return { action, check_suite: await checkSuiteJson(world, urls, repo, suite) };
}

export async function statusEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  status: CommitStatus,
): Promise<Payload> {
  const heads = await git([
    '--git-dir',
    repo.path,
    'branch',
    '--format=%(refname:short)',
    '--points-at',
    status.sha,
  ]);
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ...statusJson(world, urls, repo, status, true),
    commit: commitJson(world, urls, repo, await commitInfo(repo.path, status.sha)),
    branches: heads.stdout
      .split('\n')
      .filter(Boolean)
      .map((name) => ({
        name,
        commit: { sha: status.sha, url: `${api}/commits/${status.sha}` },
        protected: false,
      })),
  };
}

export async function issueCommentEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  comment: IssueComment,
): Promise<Payload> {
  return {
    action: 'created',
    issue: issueJson(world, urls, repo, thread),
    comment: issueCommentJson(world, urls, repo, thread, comment),
  };
}

export async function labelEvent(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  label: string,
  action: 'labeled' | 'unlabeled',
): Promise<Payload> {
  const json = labelJson(world, urls, repo, label);
  if (thread.pull) return pullRequestEvent(world, urls, repo, thread, action, { label: json });
  return { action, issue: issueJson(world, urls, repo, thread), label: json };
}
