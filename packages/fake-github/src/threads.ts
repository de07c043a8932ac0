import {
  type IssueComment,
  now,
  type RepoState,
  type ReviewComment,
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
  };
  return open(world, repo, { title: fields.title, body: fields.body, author: fields.author, pull });
}

export function commentOnIssue(world: World, thread: Thread, author: string, body: string): IssueComment {
  const at = now();
  const comment: IssueComment = { id: world.nextId(), author, body, createdAt: at, updatedAt: at };
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
  thread.pull.reviewComments.push(comment);
  return comment;
}
