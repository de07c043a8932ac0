import { addStatus, createCheckRun } from './checks.ts';
import type { FakeGitHub, FakeReview, FakeStatusInput } from './fake-github.ts';
import { commitFile, noreplyEmail } from './git-write.ts';
import { HttpError } from './http-error.ts';
import { nodeId } from './node-ids.ts';
import { addLabels, mergePull, removeLabel, setPullState } from './pull-state.ts';
import { announcePush, branchHeads } from './push-events.ts';
import type { Urls } from './rest/route.ts';
import { replyTo, submitReview } from './reviews.ts';
import type { Review, Thread, World } from './state.ts';
import { commentOnIssue, reviewThreadComments, reviewThreadOf } from './threads.ts';
import { issueCommentEvent, reviewThreadEvent } from './webhook-payloads.ts';
import type { WebhookSink } from './webhooks.ts';

/** GitHub Actions' app, the CI a test drives by default. */
const ACTIONS_APP = { id: 15368, slug: 'github-actions' };

type Driver = Pick<
  FakeGitHub,
  | 'deliverWebhooks'
  | 'deliveries'
  | 'settleWebhooks'
  | 'submitReview'
  | 'reviews'
  | 'replyToReviewComment'
  | 'resolveReviewThread'
  | 'reviewThreads'
  | 'completeCheckRun'
  | 'setStatus'
  | 'merge'
  | 'closePull'
  | 'addLabel'
  | 'removeLabel'
  | 'pushCommit'
  | 'postIssueComment'
>;

/** What GitHub would answer with an error becomes a thrown Error naming it (a test's mistake or its point). */
async function asPerson<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof HttpError)
      throw new Error(`fake-github: GitHub would answer ${error.status}: ${JSON.stringify(error.body())}`);
    throw error;
  }
}

/**
 * The test-facing API of "a person on GitHub": each action changes the state as the web UI would,
 * sends its webhooks (when a receiver is configured) and resolves once they were answered.
 */
export function createDriver(world: World, urls: () => Urls, sink: WebhookSink): Driver {
  const pullOf = (owner: string, name: string, number: number) => {
    const thread = world.requireThread(owner, name, number);
    if (!thread.pull) throw new Error(`fake-github: #${number} is an issue, not a pull request`);
    return { repo: world.requireRepo(owner, name), thread };
  };
  const done = async <T>(value: T): Promise<T> => {
    await sink.settle();
    return value;
  };
  const toFake = (thread: Thread, review: Review): FakeReview => ({
    id: review.id,
    author: review.author,
    state: review.state,
    body: review.body,
    commitId: review.commitId,
    commentIds: thread.pull!.reviewComments.filter((c) => c.reviewId === review.id).map((c) => c.id),
  });

  return {
    deliverWebhooks(target) {
      sink.target = target;
    },
    deliveries: sink.records,
    settleWebhooks: () => sink.settle(),
    async submitReview(owner, name, number, input) {
      const { repo, thread } = pullOf(owner, name, number);
      const review = await asPerson(() =>
        submitReview(world, urls(), repo, thread, {
          author: input.reviewer,
          event: input.event,
          body: input.body ?? '',
          comments: (input.comments ?? []).map((c) => ({ ...c, side: c.side ?? 'RIGHT' })),
        }),
      );
      return done(toFake(thread, review));
    },
    reviews(owner, name, number) {
      const { thread } = pullOf(owner, name, number);
      return thread.pull!.reviews.map((r) => toFake(thread, r));
    },
    async replyToReviewComment(owner, name, number, commentId, reply) {
      const { repo, thread } = pullOf(owner, name, number);
      const comment = await asPerson(() =>
        replyTo(world, urls(), repo, thread, { commentId, author: reply.author, body: reply.body }),
      );
      return done(comment.id);
    },
    async resolveReviewThread(owner, name, number, commentId, opts = {}) {
      const { repo, thread } = pullOf(owner, name, number);
      const review = reviewThreadOf(thread.pull!, commentId);
      if (!review || !thread.pull!.reviewComments.some((c) => c.id === commentId))
        throw new Error(`fake-github: no review comment ${commentId} on #${number}`);
      const resolved = opts.resolved ?? true;
      if (review.resolved === resolved) return;
      review.resolved = resolved;
      await world.events.emit(repo, 'pull_request_review_thread', opts.by ?? repo.owner, () =>
        reviewThreadEvent(world, urls(), repo, thread, review),
      );
      await done(undefined);
    },
    reviewThreads(owner, name, number) {
      const { thread } = pullOf(owner, name, number);
      const pull = thread.pull!;
      return pull.reviewThreads.map((t) => {
        const comments = reviewThreadComments(pull, t);
        return {
          id: nodeId('PullRequestReviewThread', t.id),
          path: comments[0]?.path ?? '',
          resolved: t.resolved,
          outdated: t.outdated,
          bodies: comments.map((c) => c.body),
        };
      });
    },
    async completeCheckRun(owner, name, input) {
      const repo = world.requireRepo(owner, name);
      const headBranch =
        [...repo.threads.values()].find((t) => t.pull && t.pull.lastHeadSha === input.headSha)?.pull?.head ??
        null;
      const run = await asPerson(() =>
        createCheckRun(world, urls(), repo, {
          app: input.app ?? ACTIONS_APP,
          headSha: input.headSha,
          headBranch,
          fields: {
            name: input.name,
            conclusion: input.conclusion,
            ...(input.output ? { output: input.output } : {}),
            ...(input.detailsUrl ? { detailsUrl: input.detailsUrl } : {}),
          },
        }),
      );
      return done(run.id);
    },
    async setStatus(
      owner: string,
      name: string,
      shaOrInput: string | (FakeStatusInput & { sha: string }),
      given?: FakeStatusInput,
    ) {
      const repo = world.requireRepo(owner, name);
      const [sha, input] =
        typeof shaOrInput === 'string'
          ? [shaOrInput, given as FakeStatusInput]
          : [shaOrInput.sha, shaOrInput];
      const status = await asPerson(() =>
        addStatus(world, urls(), repo, {
          sha,
          state: input.state,
          context: input.context,
          description: input.description ?? null,
          targetUrl: input.targetUrl ?? null,
          creator: input.creator ?? repo.owner,
        }),
      );
      return done(status.id);
    },
    async merge(owner, name, number, opts = {}) {
      const { repo, thread } = pullOf(owner, name, number);
      const { sha } = await asPerson(() =>
        mergePull(world, urls(), repo, thread, {
          actor: opts.by ?? repo.owner,
          ...(opts.method ? { method: opts.method } : {}),
          ...(opts.sha ? { sha: opts.sha } : {}),
        }),
      );
      return done(sha);
    },
    async closePull(owner, name, number, opts = {}) {
      const { repo, thread } = pullOf(owner, name, number);
      if (opts.reopen && thread.pull!.merged)
        throw new Error('fake-github: a merged pull request cannot be reopened');
      await setPullState(world, urls(), repo, thread, opts.reopen ? 'open' : 'closed', opts.by ?? repo.owner);
      await done(undefined);
    },
    async addLabel(owner, name, number, label, opts = {}) {
      const repo = world.requireRepo(owner, name);
      await addLabels(
        world,
        urls(),
        repo,
        world.requireThread(owner, name, number),
        [label],
        opts.by ?? repo.owner,
      );
      await done(undefined);
    },
    async removeLabel(owner, name, number, label, opts = {}) {
      const repo = world.requireRepo(owner, name);
      const thread = world.requireThread(owner, name, number);
      await asPerson(() => removeLabel(world, urls(), repo, thread, label, opts.by ?? repo.owner));
      await done(undefined);
    },
    async pushCommit(owner, name, branch, change) {
      const repo = world.requireRepo(owner, name);
      const path = 'path' in change ? change.path : change.file;
      const before = await branchHeads(repo.path);
      const sha = await commitFile(repo.path, branch, {
        path,
        content: change.content,
        message: change.message ?? `Update ${path}`,
        name: change.author,
        email: noreplyEmail(world.userId(change.author), change.author),
      });
      await announcePush(world, urls(), repo, before, change.author);
      return done(sha);
    },
    async postIssueComment(owner, name, number, input) {
      const repo = world.requireRepo(owner, name);
      const thread = world.requireThread(owner, name, number);
      const comment = commentOnIssue(world, thread, input.author, input.body);
      await world.events.emit(repo, 'issue_comment', input.author, () =>
        issueCommentEvent(world, urls(), repo, thread, comment),
      );
      return done(comment.id);
    },
  };
}
