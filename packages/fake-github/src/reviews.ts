import { pullDiffLines } from './diff-lines.ts';
import { branchSha } from './git.ts';
import { HttpError } from './http-error.ts';
import type { Urls } from './rest/route.ts';
import {
  now,
  type RepoState,
  type Review,
  type ReviewComment,
  type ReviewState,
  type Thread,
  type World,
} from './state.ts';
import { commentOnPull, reviewThreadOf } from './threads.ts';
import { reviewCommentEvent, reviewEvent } from './webhook-payloads.ts';

/** A review's event as the API takes it, and the state it leaves. */
export const REVIEW_EVENTS: Record<string, ReviewState> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
};

export interface LineCommentInput {
  readonly path: string;
  readonly line: number;
  readonly side: 'LEFT' | 'RIGHT';
  readonly body: string;
}

/** GitHub's 422 for a review comment it cannot place. */
function unplaceable(message: string): HttpError {
  return new HttpError(422, 'Unprocessable Entity', { errors: [message] });
}

/** Every comment must sit on a line the diff shows, on its side, as GitHub requires. */
async function checkPlaced(repo: RepoState, thread: Thread, comments: readonly LineCommentInput[]) {
  if (comments.length === 0) return;
  const lines = await pullDiffLines(repo, thread);
  for (const c of comments) {
    const file = lines.get(c.path);
    if (!file) throw unplaceable('Pull request review thread path could not be resolved');
    if (!file[c.side].has(c.line))
      throw unplaceable('Pull request review thread line must be part of the diff');
  }
}

export async function headOf(repo: RepoState, thread: Thread): Promise<string> {
  const pull = thread.pull!;
  const sha = await branchSha(repo.path, pull.head);
  if (sha) pull.lastHeadSha = sha;
  return sha ?? pull.lastHeadSha ?? '0'.repeat(40);
}

/**
 * Submits a review with its line comments (each opens a thread), as `POST …/reviews` does: 422 when
 * a comment is off the diff, when the author approves or requests changes on their own pull
 * request, or when a comment or change request has neither body nor comments. Sends
 * `pull_request_review` (submitted) and a `pull_request_review_comment` (created) per comment.
 */
export async function submitReview(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  input: {
    author: string;
    event: string;
    body: string;
    commitId?: string;
    comments: readonly LineCommentInput[];
  },
): Promise<Review> {
  const pull = thread.pull!;
  const state = REVIEW_EVENTS[input.event];
  if (!state) throw unplaceable(`Unknown review event ${input.event}`);
  if (thread.state !== 'open' && state !== 'COMMENTED')
    throw unplaceable('Can not approve or request changes on a closed pull request');
  if (input.author.toLowerCase() === thread.author.toLowerCase() && state !== 'COMMENTED') {
    const verb = state === 'APPROVED' ? 'approve' : 'request changes on';
    throw unplaceable(`Review Can not ${verb} your own pull request`);
  }
  if (state !== 'APPROVED' && input.body === '' && input.comments.length === 0)
    throw unplaceable('Review body is required');
  await checkPlaced(repo, thread, input.comments);
  const commitId = input.commitId ?? (await headOf(repo, thread));
  const review: Review = {
    id: world.nextId(),
    author: input.author,
    state,
    body: input.body,
    commitId,
    submittedAt: now(),
  };
  pull.reviews.push(review);
  const made = input.comments.map((c) =>
    commentOnPull(world, thread, {
      author: input.author,
      path: c.path,
      line: c.line,
      side: c.side,
      body: c.body,
      inReplyToId: undefined,
      commitId,
      reviewId: review.id,
    }),
  );
  thread.updatedAt = review.submittedAt;
  await world.events.emit(repo, 'pull_request_review', input.author, () =>
    reviewEvent(world, urls, repo, thread, review),
  );
  for (const comment of made)
    await world.events.emit(repo, 'pull_request_review_comment', input.author, () =>
      reviewCommentEvent(world, urls, repo, thread, comment),
    );
  return review;
}

/** The review a lone comment (or reply) makes on GitHub: `COMMENTED`, without a body. */
function loneReview(world: World, thread: Thread, author: string, commitId: string): Review {
  const review: Review = {
    id: world.nextId(),
    author,
    state: 'COMMENTED',
    body: '',
    commitId,
    submittedAt: now(),
  };
  thread.pull!.reviews.push(review);
  return review;
}

/** GitHub announces a lone comment as a review (`submitted`) and as a review comment (`created`). */
async function announceLone(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  review: Review,
  comment: ReviewComment,
): Promise<void> {
  await world.events.emit(repo, 'pull_request_review', comment.author, () =>
    reviewEvent(world, urls, repo, thread, review),
  );
  await world.events.emit(repo, 'pull_request_review_comment', comment.author, () =>
    reviewCommentEvent(world, urls, repo, thread, comment),
  );
}

/** A single comment on a line (`POST …/pulls/{n}/comments` without `in_reply_to`): a review of its own. */
export async function commentOnLine(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  input: LineCommentInput & { author: string; commitId?: string },
): Promise<ReviewComment> {
  await checkPlaced(repo, thread, [input]);
  const commitId = input.commitId ?? (await headOf(repo, thread));
  const review = loneReview(world, thread, input.author, commitId);
  const comment = commentOnPull(world, thread, {
    author: input.author,
    path: input.path,
    line: input.line,
    side: input.side,
    body: input.body,
    inReplyToId: undefined,
    commitId,
    reviewId: review.id,
  });
  await announceLone(world, urls, repo, thread, review, comment);
  return comment;
}

/** A reply in the thread of review comment `commentId` (404 when the pull request has no such comment). */
export async function replyTo(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  input: { commentId: number; author: string; body: string },
): Promise<ReviewComment> {
  const pull = thread.pull!;
  const parent = pull.reviewComments.find((c) => c.id === input.commentId);
  if (!parent || !reviewThreadOf(pull, parent.id)) throw new HttpError(404, 'Not Found');
  const review = loneReview(world, thread, input.author, await headOf(repo, thread));
  const comment = commentOnPull(world, thread, {
    author: input.author,
    path: parent.path,
    line: parent.line,
    side: parent.side,
    body: input.body,
    inReplyToId: parent.id,
    commitId: parent.commitId,
    reviewId: review.id,
  });
  await announceLone(world, urls, repo, thread, review, comment);
  return comment;
}
