import { branchSha } from '../git.ts';
import { nodeId } from '../node-ids.ts';
import { markOutdatedThreads } from '../outdated.ts';
import type { RepoState, ReviewComment, Thread, World } from '../state.ts';
import { reviewThreadOf } from '../threads.ts';
import { repoFor, threadFor } from './access.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl } from './repos.ts';
import type { RestContext, Route, Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `pull-request-review-comment` (single-line comments only). */
export function reviewCommentJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  comment: ReviewComment,
  headSha: string,
  outdated = false,
): Record<string, unknown> {
  const api = repoApiUrl(urls, repo);
  const url = `${api}/pulls/comments/${comment.id}`;
  const pullUrl = `${api}/pulls/${thread.number}`;
  const htmlUrl = `${urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}#discussion_r${comment.id}`;
  const commitId = comment.commitId ?? headSha;
  return {
    url,
    pull_request_review_id: comment.reviewId ?? comment.id,
    id: comment.id,
    node_id: nodeId('PullRequestReviewComment', comment.id),
    diff_hunk: `@@ -${comment.line},1 +${comment.line},1 @@`,
    path: comment.path,
    commit_id: commitId,
    original_commit_id: commitId,
    user: userJson(world, urls, comment.author),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    author_association: comment.author === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    _links: { self: { href: url }, html: { href: htmlUrl }, pull_request: { href: pullUrl } },
    start_line: null,
    original_start_line: null,
    start_side: null,
    // GitHub nulls `line` and `position` once the lines a comment was made on change.
    line: outdated ? null : comment.line,
    original_line: comment.line,
    side: comment.side,
    original_position: comment.line,
    position: outdated ? null : comment.line,
    subject_type: 'line',
    ...(comment.inReplyToId === undefined ? {} : { in_reply_to_id: comment.inReplyToId }),
  };
}

async function listReviewComments(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  await markOutdatedThreads(repo, thread);
  const head = (await branchSha(repo.path, thread.pull!.head)) ?? thread.pull!.lastHeadSha ?? '0'.repeat(40);
  const { page, headers } = paginate(
    context,
    `/repos/${repo.owner}/${repo.name}/pulls/${thread.number}/comments`,
    thread.pull!.reviewComments,
  );
  const body = page.map((comment) =>
    reviewCommentJson(
      context.world,
      context.urls,
      repo,
      thread,
      comment,
      head,
      reviewThreadOf(thread.pull!, comment.id)?.outdated ?? false,
    ),
  );
  return { status: 200, body, headers };
}

export const reviewCommentRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}/comments', handler: listReviewComments },
];
