import { notAccessibleMessage, repoPermission } from '../auth.ts';
import { HttpError } from '../http-error.ts';
import { parseNodeId } from '../node-ids.ts';
import { replyTo } from '../reviews.ts';
import { allows, type RepoState, type ReviewThread, type Thread } from '../state.ts';
import { reviewThreadComments } from '../threads.ts';
import { reviewThreadEvent } from '../webhook-payloads.ts';
import { typedError } from './errors.ts';
import type { GraphqlContext } from './resolvers.ts';

export interface FoundThread {
  readonly repo: RepoState;
  readonly thread: Thread;
  readonly review: ReviewThread;
}

/** The review thread a global id names, where the caller may see it; undefined otherwise. */
export function findReviewThread(ctx: GraphqlContext, id: string): FoundThread | undefined {
  const dbId = parseNodeId('PullRequestReviewThread', id);
  if (dbId === undefined) return undefined;
  for (const repo of ctx.world.repos.values()) {
    for (const thread of repo.threads.values()) {
      const review = thread.pull?.reviewThreads.find((t) => t.id === dbId);
      if (review)
        return repoPermission(ctx.principal, repo) === 'none' ? undefined : { repo, thread, review };
    }
  }
  return undefined;
}

function requireThread(ctx: GraphqlContext, id: string, needed: 'read' | 'write'): FoundThread {
  const found = findReviewThread(ctx, id);
  if (!found) throw typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
  if (!allows(repoPermission(ctx.principal, found.repo), needed))
    throw typedError('FORBIDDEN', notAccessibleMessage(ctx.principal));
  return found;
}

function login(ctx: GraphqlContext): string {
  const p = ctx.principal;
  if (p.kind === 'pat' || p.kind === 'installation') return p.login;
  throw typedError('FORBIDDEN', 'Resource not accessible by integration');
}

/** `resolveReviewThread` / `unresolveReviewThread`: write access; sends `pull_request_review_thread`. */
export async function setResolved(ctx: GraphqlContext, threadId: string, resolved: boolean) {
  const found = requireThread(ctx, threadId, 'write');
  if (found.review.resolved !== resolved) {
    found.review.resolved = resolved;
    await ctx.world.events.emit(found.repo, 'pull_request_review_thread', login(ctx), () =>
      reviewThreadEvent(ctx.world, ctx.urls, found.repo, found.thread, found.review),
    );
  }
  return found;
}

/** `addPullRequestReviewThreadReply`: a reply as the caller (anyone who can read may comment). */
export async function replyInThread(ctx: GraphqlContext, threadId: string, body: string) {
  const found = requireThread(ctx, threadId, 'read');
  if (body.trim() === '') throw typedError('UNPROCESSABLE', "Body can't be blank");
  const root = reviewThreadComments(found.thread.pull!, found.review)[0]!;
  try {
    const comment = await replyTo(ctx.world, ctx.urls, found.repo, found.thread, {
      commentId: root.id,
      author: login(ctx),
      body,
    });
    return { found, comment };
  } catch (error) {
    if (error instanceof HttpError) throw typedError('UNPROCESSABLE', error.message);
    throw error;
  }
}
