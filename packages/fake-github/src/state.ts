/**
 * The fake's in-memory world: repositories (whose git data lives in bare repos on disk), issues and
 * pull requests sharing one number sequence per repository as on GitHub, comments, and users.
 */

/** Repository-level access, as GitHub's `permissions` and fine-grained tokens express it. */
export type Permission = 'admin' | 'write' | 'read' | 'none';

const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** Whether `granted` covers `needed`. */
export function allows(granted: Permission, needed: Permission): boolean {
  return RANK[granted] >= RANK[needed];
}

export interface RepoState {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  /** The bare repository folder. */
  readonly path: string;
  readonly createdAt: string;
  /** Issues and pull requests by number. */
  readonly threads: Map<number, Thread>;
  nextNumber: number;
  /** Collaborators' access by lower-cased login (the owner is admin; tokens' logins count too). */
  readonly collaborators: Map<string, Permission>;
}

/** The reactions GitHub accepts (`+1`, `eyes`, …). */
export const REACTION_CONTENTS = [
  '+1',
  '-1',
  'laugh',
  'confused',
  'heart',
  'hooray',
  'rocket',
  'eyes',
] as const;
export type ReactionContent = (typeof REACTION_CONTENTS)[number];

/** One user's reaction on an issue or an issue comment (GitHub keeps one per user and content). */
export interface Reaction {
  readonly id: number;
  readonly user: string;
  readonly content: ReactionContent;
  readonly createdAt: string;
}

export interface IssueComment {
  readonly id: number;
  readonly author: string;
  body: string;
  readonly createdAt: string;
  updatedAt: string;
  /** How many times it was edited (`PATCH`), for tests that count edits. */
  edits: number;
  readonly reactions: Reaction[];
}

export interface ReviewComment {
  readonly id: number;
  readonly author: string;
  readonly path: string;
  readonly line: number;
  readonly side: 'LEFT' | 'RIGHT';
  readonly body: string;
  readonly inReplyToId: number | undefined;
  /** The head commit it was made on; undefined means the PR's current head. */
  readonly commitId: string | undefined;
  readonly createdAt: string;
}

/**
 * A review thread: a review comment that answers none and the replies to it (GitHub's
 * `PullRequestReviewThread`). Only GraphQL shows whether it is resolved.
 */
export interface ReviewThread {
  readonly id: number;
  /** The review comment that opened it. */
  readonly rootCommentId: number;
  resolved: boolean;
  /** The lines it was made on changed since: `line` reads null (GraphQL and REST), `originalLine` stays. */
  outdated: boolean;
}

export interface PullFields {
  readonly id: number;
  /** Branch names in the same repository (forks are not modelled). */
  head: string;
  base: string;
  draft: boolean;
  merged: boolean;
  /** The last head commit seen, so a PR whose branch was deleted still reports one. */
  lastHeadSha: string | undefined;
  readonly reviewComments: ReviewComment[];
  readonly reviewThreads: ReviewThread[];
}

/** An issue, or a pull request when `pull` is set (on GitHub every PR is also an issue). */
export interface Thread {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  readonly author: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly comments: IssueComment[];
  readonly reactions: Reaction[];
  readonly pull: PullFields | undefined;
}

/** Ids and timestamps shared by every resource of one server. */
export class World {
  readonly repos = new Map<string, RepoState>();
  private readonly userIds = new Map<string, number>();
  private lastId = 1000;

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  userId(login: string): number {
    let id = this.userIds.get(login);
    if (id === undefined) {
      id = this.nextId();
      this.userIds.set(login, id);
    }
    return id;
  }

  repo(owner: string, name: string): RepoState | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** Like `repo`, for the test-facing API where a missing repository is a bug in the test. */
  requireRepo(owner: string, name: string): RepoState {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`fake-github: no repository ${owner}/${name}`);
    return repo;
  }

  requireThread(owner: string, name: string, number: number): Thread {
    const thread = this.requireRepo(owner, name).threads.get(number);
    if (!thread) throw new Error(`fake-github: no issue or pull request #${number} in ${owner}/${name}`);
    return thread;
  }
}

/** GitHub matches owner and repository names case-insensitively. */
export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
