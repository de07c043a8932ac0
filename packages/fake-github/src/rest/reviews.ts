import { notFound, validationFailed } from '../http-error.ts';
import { commentOnLine, headOf, type LineCommentInput, replyTo, submitReview } from '../reviews.ts';
import type { RepoState, Review, Thread, World } from '../state.ts';
import { actorLogin, repoFor, threadFor } from './access.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl } from './repos.ts';
import { reviewCommentJson } from './review-comments.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `pull-request-review`. */
export function reviewJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  review: Review,
): Record<string, unknown> {
  const api = repoApiUrl(urls, repo);
  const htmlUrl = `${urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}#pullrequestreview-${review.id}`;
  const pullUrl = `${api}/pulls/${thread.number}`;
  return {
    id: review.id,
    node_id: Buffer.from(`017:PullRequestReview${review.id}`).toString('base64'),
    user: userJson(world, urls, review.author),
    body: review.body,
    state: review.state,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    author_association: review.author === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
    submitted_at: review.state === 'PENDING' ? undefined : review.submittedAt,
    commit_id: review.commitId,
  };
}

function text(
  body: Record<string, unknown>,
  key: string,
  resource: string,
  required: boolean,
): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw validationFailed({ resource, field: key, code: 'missing_field' });
    return undefined;
  }
  if (typeof value !== 'string') throw validationFailed({ resource, field: key, code: 'invalid' });
  return value;
}

/** A review comment's `path`, `line` and `side` (single-line comments; `position` is not modelled). */
function lineComment(raw: unknown, resource: string): LineCommentInput {
  const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const line = body.line;
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 1)
    throw validationFailed({
      resource,
      field: 'line',
      code: line === undefined ? 'missing_field' : 'invalid',
    });
  const side = body.side ?? 'RIGHT';
  if (side !== 'LEFT' && side !== 'RIGHT')
    throw validationFailed({ resource, field: 'side', code: 'invalid' });
  return {
    path: text(body, 'path', resource, true)!,
    line,
    side,
    body: text(body, 'body', resource, true)!,
  };
}

async function createReview(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const body = bodyObject(context);
  const comments = body.comments ?? [];
  if (!Array.isArray(comments))
    throw validationFailed({ resource: 'PullRequestReview', field: 'comments', code: 'invalid' });
  const review = await submitReview(context.world, context.urls, repo, thread, {
    author: actorLogin(context),
    event: text(body, 'event', 'PullRequestReview', false) ?? 'COMMENT',
    body: text(body, 'body', 'PullRequestReview', false) ?? '',
    commitId: text(body, 'commit_id', 'PullRequestReview', false),
    comments: comments.map((c) => lineComment(c, 'PullRequestReviewComment')),
  });
  return { status: 200, body: reviewJson(context.world, context.urls, repo, thread, review) };
}

function listReviews(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${thread.number}/reviews`;
  const { page, headers } = paginate(context, path, thread.pull!.reviews);
  return {
    status: 200,
    body: page.map((r) => reviewJson(context.world, context.urls, repo, thread, r)),
    headers,
  };
}

function getReview(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const review = thread.pull!.reviews.find((r) => r.id === Number(context.params.review_id));
  if (!review) throw notFound();
  return { status: 200, body: reviewJson(context.world, context.urls, repo, thread, review) };
}

async function commentJson(context: RestContext, repo: RepoState, thread: Thread, id: number) {
  const comment = thread.pull!.reviewComments.find((c) => c.id === id)!;
  return reviewCommentJson(context.world, context.urls, repo, thread, comment, await headOf(repo, thread));
}

/** `POST …/pulls/{n}/comments`: a comment on a line, or with `in_reply_to` a reply. */
async function createReviewComment(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const body = bodyObject(context);
  const author = actorLogin(context);
  if (body.in_reply_to !== undefined) {
    const comment = await replyTo(context.world, context.urls, repo, thread, {
      commentId: Number(body.in_reply_to),
      author,
      body: text(body, 'body', 'PullRequestReviewComment', true)!,
    });
    return { status: 201, body: await commentJson(context, repo, thread, comment.id) };
  }
  const comment = await commentOnLine(context.world, context.urls, repo, thread, {
    ...lineComment(body, 'PullRequestReviewComment'),
    author,
    commitId: text(body, 'commit_id', 'PullRequestReviewComment', false),
  });
  return { status: 201, body: await commentJson(context, repo, thread, comment.id) };
}

async function createReply(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const comment = await replyTo(context.world, context.urls, repo, thread, {
    commentId: Number(context.params.comment_id),
    author: actorLogin(context),
    body: text(bodyObject(context), 'body', 'PullRequestReviewComment', true)!,
  });
  return { status: 201, body: await commentJson(context, repo, thread, comment.id) };
}

export const reviewRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', handler: listReviews },
  { method: 'POST', path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', handler: createReview },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}',
    handler: getReview,
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    handler: createReviewComment,
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    handler: createReply,
  },
];
