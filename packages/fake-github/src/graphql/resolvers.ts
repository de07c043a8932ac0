import { notAccessibleMessage, type Principal, repoPermission } from '../auth.ts';
import { nodeId, parseNodeId } from '../node-ids.ts';
import { markOutdatedThreads } from '../outdated.ts';
import type { Urls } from '../rest/route.ts';
import {
  allows,
  now,
  type RepoState,
  type ReviewComment,
  type ReviewThread,
  type Thread,
  type World,
} from '../state.ts';
import { reviewThreadComments } from '../threads.ts';
import { pullRequestEvent } from '../webhook-payloads.ts';
import { connection, type PageArgs } from './connection.ts';
import { typedError } from './errors.ts';
import { findReviewThread, replyInThread, setResolved } from './review-threads.ts';

/**
 * The fake's state as GraphQL objects. graphql-js's default resolver reads a field from the
 * object of the same name, calling it with the field's arguments when it is a function, so the
 * objects below are plain values and closures over the state.
 */

/** What every resolver sees: the state and the authenticated caller. */
export interface GraphqlContext {
  readonly world: World;
  readonly principal: Principal;
  readonly urls: Urls;
}

type GqlObject = Record<string, unknown>;

interface DraftInput {
  readonly pullRequestId: string;
  readonly clientMutationId?: string | null;
}

/** The login a write acts as (REST spelling: `abca[bot]`). */
function loginOf(principal: Principal): string {
  return principal.kind === 'pat' || principal.kind === 'installation' ? principal.login : 'ghost';
}

/** GraphQL names a bot by its slug (`abca`), where REST says `abca[bot]`. */
function actor(login: string): GqlObject {
  const bot = login.endsWith('[bot]');
  // `__typename` picks the Actor's concrete type (graphql-js's default type resolver).
  return { __typename: bot ? 'Bot' : 'User', login: bot ? login.slice(0, -'[bot]'.length) : login };
}

function reviewComment(pullUrl: string, comment: ReviewComment, outdated: boolean): GqlObject {
  return {
    __typename: 'PullRequestReviewComment',
    id: nodeId('PullRequestReviewComment', comment.id),
    databaseId: comment.id,
    author: actor(comment.author),
    body: comment.body,
    path: comment.path,
    line: outdated ? null : comment.line,
    originalLine: comment.line,
    outdated,
    createdAt: comment.createdAt,
    url: `${pullUrl}#discussion_r${comment.id}`,
  };
}

function reviewThread(ctx: GraphqlContext, repo: RepoState, thread: Thread, review: ReviewThread): GqlObject {
  const pullUrl = `${ctx.urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}`;
  const comments = reviewThreadComments(thread.pull!, review);
  const root = comments[0]!;
  return {
    __typename: 'PullRequestReviewThread',
    id: nodeId('PullRequestReviewThread', review.id),
    pullRequest: () => pullRequest(ctx, repo, thread),
    isResolved: review.resolved,
    isOutdated: review.outdated,
    isCollapsed: review.resolved,
    path: root.path,
    line: review.outdated ? null : root.line,
    originalLine: root.line,
    startLine: null,
    originalStartLine: null,
    diffSide: root.side,
    comments: (args: PageArgs) =>
      connection(
        'comments',
        comments.map((c) => reviewComment(pullUrl, c, review.outdated)),
        args,
      ),
  };
}

function pullRequest(ctx: GraphqlContext, repo: RepoState, thread: Thread): GqlObject {
  const pull = thread.pull!;
  const url = `${ctx.urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}`;
  return {
    __typename: 'PullRequest',
    id: nodeId('PullRequest', pull.id),
    databaseId: pull.id,
    number: thread.number,
    title: thread.title,
    body: thread.body ?? '',
    isDraft: pull.draft,
    state: pull.merged ? 'MERGED' : thread.state === 'open' ? 'OPEN' : 'CLOSED',
    headRefName: pull.head,
    baseRefName: pull.base,
    url,
    reviewThreads: (args: PageArgs) =>
      connection(
        'reviewThreads',
        pull.reviewThreads.map((review) => reviewThread(ctx, repo, thread, review)),
        args,
      ),
  };
}

function repository(ctx: GraphqlContext, owner: string, name: string): GqlObject {
  const repo = ctx.world.repo(owner, name);
  if (!repo || repoPermission(ctx.principal, repo) === 'none')
    throw typedError('NOT_FOUND', `Could not resolve to a Repository with the name '${owner}/${name}'.`);
  return {
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    isPrivate: repo.private,
    url: `${ctx.urls.web}/${repo.owner}/${repo.name}`,
    pullRequest: async ({ number }: { number: number }) => {
      const thread = repo.threads.get(number);
      if (!thread?.pull)
        throw typedError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${number}.`);
      await markOutdatedThreads(repo, thread);
      return pullRequest(ctx, repo, thread);
    },
  };
}

/** `convertPullRequestToDraft` (draft) or `markPullRequestReadyForReview`: needs write access. */
async function setDraft(ctx: GraphqlContext, input: DraftInput, draft: boolean): Promise<GqlObject> {
  const id = parseNodeId('PullRequest', input.pullRequestId);
  let found: { repo: RepoState; thread: Thread } | undefined;
  for (const repo of ctx.world.repos.values()) {
    for (const thread of repo.threads.values())
      if (id !== undefined && thread.pull?.id === id) found = { repo, thread };
  }
  const permission = found ? repoPermission(ctx.principal, found.repo) : 'none';
  if (!found || permission === 'none')
    throw typedError(
      'NOT_FOUND',
      `Could not resolve to a node with the global id of '${input.pullRequestId}'`,
    );
  if (!allows(permission, 'write')) throw typedError('FORBIDDEN', notAccessibleMessage(ctx.principal));
  const { repo, thread } = found;
  if (thread.pull!.draft !== draft) {
    thread.pull!.draft = draft;
    thread.updatedAt = now();
    const action = draft ? 'converted_to_draft' : 'ready_for_review';
    await ctx.world.events.emit(repo, 'pull_request', loginOf(ctx.principal), () =>
      pullRequestEvent(ctx.world, ctx.urls, repo, thread, action),
    );
  }
  return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullRequest(ctx, repo, thread) };
}

/**
 * The root fields of both `Query` and `Mutation`. graphql-js validates the document and coerces
 * the variables before any of these runs, so a refused document changes nothing.
 */
export const rootValue = {
  repository: (args: { owner: string; name: string }, ctx: GraphqlContext) =>
    repository(ctx, args.owner, args.name),
  convertPullRequestToDraft: (args: { input: DraftInput }, ctx: GraphqlContext) =>
    setDraft(ctx, args.input, true),
  markPullRequestReadyForReview: (args: { input: DraftInput }, ctx: GraphqlContext) =>
    setDraft(ctx, args.input, false),
  node: async ({ id }: { id: string }, ctx: GraphqlContext) => {
    const found = findReviewThread(ctx, id);
    if (found) {
      await markOutdatedThreads(found.repo, found.thread);
      return reviewThread(ctx, found.repo, found.thread, found.review);
    }
    const pullId = parseNodeId('PullRequest', id);
    for (const repo of ctx.world.repos.values())
      for (const thread of repo.threads.values())
        if (
          pullId !== undefined &&
          thread.pull?.id === pullId &&
          repoPermission(ctx.principal, repo) !== 'none'
        )
          return pullRequest(ctx, repo, thread);
    throw typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
  },
  resolveReviewThread: async (args: { input: ThreadInput }, ctx: GraphqlContext) => {
    const found = await setResolved(ctx, args.input.threadId, true);
    return {
      clientMutationId: args.input.clientMutationId ?? null,
      thread: reviewThread(ctx, found.repo, found.thread, found.review),
    };
  },
  unresolveReviewThread: async (args: { input: ThreadInput }, ctx: GraphqlContext) => {
    const found = await setResolved(ctx, args.input.threadId, false);
    return {
      clientMutationId: args.input.clientMutationId ?? null,
      thread: reviewThread(ctx, found.repo, found.thread, found.review),
    };
  },
  addPullRequestReviewThreadReply: async (args: { input: ReplyInput }, ctx: GraphqlContext) => {
    const { found, comment } = await replyInThread(
      ctx,
      args.input.pullRequestReviewThreadId,
      args.input.body,
    );
    const url = `${ctx.urls.web}/${found.repo.owner}/${found.repo.name}/pull/${found.thread.number}`;
    return {
      clientMutationId: args.input.clientMutationId ?? null,
      comment: reviewComment(url, comment, found.review.outdated),
    };
  },
};

interface ThreadInput {
  readonly threadId: string;
  readonly clientMutationId?: string | null;
}

interface ReplyInput {
  readonly pullRequestReviewThreadId: string;
  readonly body: string;
  readonly clientMutationId?: string | null;
}
