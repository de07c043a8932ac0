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
  /** Check runs and their suites (checks.ts), and commit statuses, oldest first. */
  readonly checkRuns: CheckRun[];
  readonly checkSuites: CheckSuite[];
  readonly statuses: CommitStatus[];
}

/** The app a check run belongs to: the installation's app, or a CI app the test drives. */
export interface CheckApp {
  readonly id: number;
  readonly slug: string;
}

export const CHECK_CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
] as const;
export type CheckConclusion = (typeof CHECK_CONCLUSIONS)[number];
export type CheckStatus = 'queued' | 'in_progress' | 'completed';

export interface CheckRun {
  readonly id: number;
  readonly suiteId: number;
  readonly headSha: string;
  readonly app: CheckApp;
  name: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  startedAt: string;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string;
  output: { title: string | null; summary: string | null; text: string | null };
}

/** One per head commit and app, as on GitHub; its status and conclusion follow its runs. */
export interface CheckSuite {
  readonly id: number;
  readonly headSha: string;
  readonly headBranch: string | null;
  readonly app: CheckApp;
  readonly createdAt: string;
  updatedAt: string;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface CommitStatus {
  readonly id: number;
  readonly sha: string;
  readonly state: CommitState;
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly creator: string;
  readonly createdAt: string;
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
  /** The review it was posted with (`pull_request_review_id`); a lone comment has a review of its own id. */
  readonly reviewId?: number;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

/** A pull request review (GitHub's `pull-request-review`). */
export interface Review {
  readonly id: number;
  readonly author: string;
  readonly state: ReviewState;
  readonly body: string;
  readonly commitId: string;
  readonly submittedAt: string;
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
  readonly reviews: Review[];
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  /** The base commit it was merged onto: its commits stay listed after the merge. */
  mergedOnto: string | null;
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
  /** Label names, in the order added. */
  readonly labels: string[];
  readonly pull: PullFields | undefined;
}

/**
 * Where webhook deliveries go (configured with `FakeGitHub.deliverWebhooks`); `emit` builds the
 * payload only when a receiver is configured, and resolves once it answered (never rejects).
 */
export interface EventSink {
  emit(
    repo: RepoState,
    event: string,
    sender: string,
    payload: () => Promise<Record<string, unknown>>,
  ): Promise<void>;
  /** Work under way that will raise events (a push being announced): settling waits for it too. */
  hold(work: Promise<unknown>): void;
}

/** Ids and timestamps shared by every resource of one server. */
export class World {
  readonly repos = new Map<string, RepoState>();
  /** Webhook deliveries; none until a receiver is configured. */
  events: EventSink = { emit: async () => {}, hold: () => {} };
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
