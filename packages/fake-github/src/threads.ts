import {
  type IssueComment,
  now,
  type PullFields,
  type RepoState,
  type ReviewComment,
  type ReviewThread,
  type Thread,
  type World,
} from './state.ts';

function open(
  world: World,
  repo: RepoState,
  fields: Pick<Thread, 'title' | 'body' | 'author' | 'pull'>,
): Thread {
  const at = now();
  const thread: Thread = {
    number: repo.nextNumber,
    id: world.nextId(),
    state: 'open',
    createdAt: at,
    updatedAt: at,
    closedAt: null,
    comments: [],
    reactions: [],
    labels: [],
    ...fields,
  };
  repo.nextNumber += 1;
  repo.threads.set(thread.number, thread);
  return thread;
}

export function openIssue(
  world: World,
  repo: RepoState,
  fields: { title: string; body: string | null; author: string },
): Thread {
  return open(world, repo, { ...fields, pull: undefined });
}

export function openPull(
  world: World,
  repo: RepoState,
  fields: { title: string; body: string | null; author: string; head: string; base: string; draft: boolean },
): Thread {
  const pull = {
    id: world.nextId(),
    head: fields.head,
    base: fields.base,
    draft: fields.draft,
    merged: false,
    lastHeadSha: undefined,
    reviewComments: [],
    reviewThreads: [],
    reviews: [],
    mergedAt: null,
    mergedBy: null,
    mergeCommitSha: null,
    mergedOnto: null,
  };
  return open(world, repo, { title: fields.title, body: fields.body, author: fields.author, pull });
}

export function commentOnIssue(world: World, thread: Thread, author: string, body: string): IssueComment {
  const at = now();
  const comment: IssueComment = {
    id: world.nextId(),
    author,
    body,
    createdAt: at,
    updatedAt: at,
    edits: 0,
    reactions: [],
  };
  thread.comments.push(comment);
  thread.updatedAt = at;
  return comment;
}

export function commentOnPull(
  world: World,
  thread: Thread,
  fields: Omit<ReviewComment, 'id' | 'createdAt'>,
): ReviewComment {
  if (!thread.pull) throw new Error(`fake-github: #${thread.number} is an issue, not a pull request`);
  const comment: ReviewComment = { id: world.nextId(), createdAt: now(), ...fields };
  const pull = thread.pull;
  pull.reviewComments.push(comment);
  if (!reviewThreadOf(pull, comment.id)) {
    // A comment that answers none (or one the server does not hold) opens a thread.
    pull.reviewThreads.push({
      id: world.nextId(),
      rootCommentId: comment.id,
      resolved: false,
      outdated: false,
    });
  }
  return comment;
}

/** The id of the comment that opened the thread `commentId` belongs to (following `inReplyToId`). */
function rootCommentId(pull: PullFields, commentId: number): number {
  let id = commentId;
  for (let hops = 0; hops <= pull.reviewComments.length; hops += 1) {
    const parent = pull.reviewComments.find((c) => c.id === id)?.inReplyToId;
    if (parent === undefined || !pull.reviewComments.some((c) => c.id === parent)) return id;
    id = parent;
  }
  return id;
}

/** The review thread a review comment belongs to; undefined when the pull request has no such comment. */
export function reviewThreadOf(pull: PullFields, commentId: number): ReviewThread | undefined {
  const root = rootCommentId(pull, commentId);
  return pull.reviewThreads.find((t) => t.rootCommentId === root);
}

/** The comments of a review thread, oldest first. */
export function reviewThreadComments(pull: PullFields, thread: ReviewThread): ReviewComment[] {
  return pull.reviewComments.filter((c) => rootCommentId(pull, c.id) === thread.rootCommentId);
}
