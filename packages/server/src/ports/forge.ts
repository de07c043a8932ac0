import type { ReviewLineComment, ReviewVerdict, TaskFailureCode } from '@abca/contracts';

/** How an onboarded repo is reached, as stored with it. */
export type ForgeSettings =
  | { kind: 'fake' }
  /** Any git URL (https://, ssh://, file://) or a local path. */
  | { kind: 'git'; url: string }
  /** `owner/repo` on GitHub (or GitHub Enterprise, per the platform's GitHub settings). */
  | { kind: 'github'; owner_repo: string };

/** The repository a forge call is about, as onboarded. */
export interface RepoRef {
  /** The name it was onboarded under (`owner/name` or `name`). */
  repo: string;
  defaultBranch: string;
  forge: ForgeSettings;
}

export interface PullRequest {
  number: number;
  url: string;
  branch: string;
  base: string;
  draft: boolean;
  title: string;
  state: 'open' | 'closed' | 'merged';
}

/** A pull request with what the PR loop needs to know about its state. */
export interface PullRequestInfo extends PullRequest {
  /** The head commit of its branch, as the forge knows it. */
  headSha: string;
  /** Who opened it (the forge's login; `abca` for plain-git change requests ABCA opened). */
  author: string;
  /** Its labels (GitHub; none on plain git). */
  labels: string[];
  createdAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

/** A comment on a pull request (its conversation or a review thread). Untrusted text. */
export interface PrComment {
  /** The forge's id, as text (GitHub: the REST id; plain git: the row id). */
  id: string;
  author: string;
  body: string;
  createdAt: string;
}

/** A review thread: comments on one line of the diff, the first one opening it. Untrusted text. */
export interface PrReviewThread {
  /** What replies and resolution name (GitHub: the thread's GraphQL node id; plain git: its first comment's id). */
  id: string;
  path: string;
  line: number | null;
  /** Its lines changed since it was made. */
  outdated?: boolean;
  resolved: boolean;
  comments: PrComment[];
}

/** A check on the PR's head commit that failed (a check run or a commit status). */
export interface FailingCheck {
  /** The forge's id (check run id, or the status context). */
  id: string;
  name: string;
  kind: 'check_run' | 'status';
  /** `failure`, `timed_out`, `cancelled`, `action_required`, `error`. */
  conclusion: string;
  /** The end of its output (check run `output.text`/`summary`, a status' description), at most 4,000 characters. */
  logTail: string;
  url: string | null;
  completedAt: string | null;
}

/** A review of a pull request, as the forge records it. */
export interface PrReviewRecord {
  id: string;
  author: string;
  state: 'approved' | 'changes_requested' | 'commented' | 'dismissed';
  body: string;
  submittedAt: string;
}

/**
 * Everything that happened on a pull request, as the watcher and the outcome records read it.
 * Each list is bounded (the newest 300 where there are more).
 */
export interface PrActivity {
  pr: PullRequestInfo;
  reviews: PrReviewRecord[];
  /** Every review thread, resolved or not. */
  threads: PrReviewThread[];
  /** The conversation (issue comments on GitHub; comments without a line on plain git). */
  comments: PrComment[];
  /** Failing checks and statuses of the head commit (the latest run of each). */
  failingChecks: FailingCheck[];
  /** Commits on the branch since its base, oldest first: sha and author name/login. */
  commits: { sha: string; author: string }[];
}

/** Outside text a task refers to (issue or PR). Untrusted: the prompt fences it. */
export interface ForgeContext {
  issue?: { number: number; title: string; body: string; comments: { author: string; body: string }[] };
  pullRequest?: {
    number: number;
    title: string;
    body: string;
    diff: string;
    base: string;
    branch: string;
    /** Head commit of the branch as the forge knows it. */
    headSha: string;
    state: PullRequest['state'];
    /**
     * Unresolved threads only (GitHub, plain git); `outdated`: its lines changed since. Each
     * comment's `id`/`createdAt` let an iteration tell new comments from those it answered.
     */
    reviewThreads: (Omit<PrReviewThread, 'resolved' | 'comments'> & {
      comments: (Omit<PrComment, 'id' | 'createdAt'> & Partial<Pick<PrComment, 'id' | 'createdAt'>>)[];
    })[];
    /** The PR's conversation (not review threads), oldest first, at most the newest 100. */
    conversation: PrComment[];
    /** Failing checks of the head commit, with the tail of their logs. */
    failingChecks: FailingCheck[];
  };
}

export type ForgeCheck = { ok: true } | { ok: false; code: TaskFailureCode; message: string };

/**
 * A typed failure of a forge call (`REPO_NOT_FOUND_OR_NO_ACCESS`, `GITHUB_UNREACHABLE`,
 * `INSUFFICIENT_PERMISSIONS`, `PUSH_REJECTED`, ...). `retryable` says whether the same call may
 * succeed later (network, 5xx, rate limit); the orchestrator retries those and fails the task on
 * the others with the code.
 */
export class ForgeError extends Error {
  constructor(
    readonly code: TaskFailureCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ForgeError';
  }
}

/** HTTP credentials for one git call; sent as a Basic `Authorization` header scoped to `url`. */
export interface GitCredential {
  /** The remote URL (or its origin) the header is sent to; git sends it to no other host. */
  url: string;
  username: string;
  password: string;
}

/** How the host's git reaches a repo, resolved per call (tokens expire and rotate). */
export interface GitRemote {
  /** The URL git fetches from and pushes to; never holds credentials. */
  url: string;
  /** Given to git per command, never written anywhere. */
  credential?: GitCredential;
  /** The remote as people know it, for a workspace's `origin`: no credentials, no host path. */
  publicUrl: string;
}

/** What onboarding asks a forge about a remote before the repo is stored. */
export interface RemoteTarget {
  /** The name it is being onboarded under. */
  repo: string;
  forge: ForgeSettings;
  /** The default branch the admin named; undefined: find the remote's own (its HEAD). */
  branch?: string;
  /**
   * The plain-git credential to try (not stored yet, or the stored one the caller read); undefined:
   * none. Other forges use the server's own credentials.
   */
  credential?: GitCredential;
}

/** Why a remote cannot be onboarded, as the forge sees it. */
export type RemoteProblem =
  /** No forge of this kind is configured on the server (GitHub without a token or App). */
  | 'not_configured'
  /** The remote is not a git URL or an absolute path, or not `owner/repo`. */
  | 'invalid'
  /** Nothing there, or the credentials cannot see it (private repositories read as missing). */
  | 'not_found'
  /** The remote refused the credentials. */
  | 'auth_failed'
  /** DNS, connection, TLS, a 5xx, rate limits. */
  | 'unreachable'
  /** The signal fired (the caller's time limit). */
  | 'timeout';

/**
 * What {@link Forge.verifyRemote} found. `message` never holds a credential.
 */
export type RemoteVerification =
  | {
      ok: true;
      /** The remote's default branch (its HEAD), when it has commits and says which it is. */
      headBranch?: string;
      /** Whether {@link RemoteTarget.branch} is on the remote; undefined when none was named. */
      branchExists?: boolean;
      /** Whether the credentials may push, where the forge can tell without pushing. */
      push: 'allowed' | 'denied' | 'unknown';
    }
  | { ok: false; problem: RemoteProblem; message: string };

/**
 * The remote side of a repository: where it lives and where pull requests are opened (GitHub, a
 * plain git remote, or a fake). The task's local git work (mirrors, workspaces, checkpoints,
 * pushes) belongs to the `Workspaces` port (`workspaces.ts`), which reaches the remote through {@link Forge.gitRemote}.
 *
 * Invariants (checked by the shared contract suite every adapter runs, the fake included):
 * - Credentials never leave the adapter except as {@link GitRemote.credential}, which only the
 *   host's git receives: no token in a returned URL, an error message or a log line.
 * - Every method is safe to call again after a crash: callers use `findPullRequest` before
 *   `openPullRequest`, and `openPullRequest` itself finds a PR it already opened for the branch.
 * - Expected failures of pre-flight are values ({@link ForgeCheck}); other failures throw
 *   {@link ForgeError}.
 */
export interface Forge {
  readonly kind: string;
  /** Pre-flight: reachable, credentials can push, default branch present. */
  checkAccess(repo: RepoRef): Promise<ForgeCheck>;
  /**
   * Onboarding: whether a remote that is not stored yet can be used, as a value. Changes nothing on
   * the remote (no push, no branch) and keeps no mirror; reads as little as the forge allows (`git
   * ls-remote`, `GET /repos`). Stops when `signal` fires (the caller's time limit).
   */
  verifyRemote(target: RemoteTarget, opts: { signal: AbortSignal }): Promise<RemoteVerification>;
  /** Where the host's git fetches and pushes this repo, with the credential for one call. */
  gitRemote(repo: RepoRef): Promise<GitRemote>;
  findPullRequest(repo: RepoRef, branch: string): Promise<PullRequest | undefined>;
  openPullRequest(
    repo: RepoRef,
    pr: { branch: string; base: string; title: string; body: string; draft: boolean; taskId: string },
  ): Promise<PullRequest>;
  updatePullRequest(
    repo: RepoRef,
    number: number,
    patch: { title?: string; body?: string; draft?: boolean },
  ): Promise<PullRequest>;
  fetchContext(repo: RepoRef, ref: { issueNumber?: number; prNumber?: number }): Promise<ForgeContext>;
  /**
   * Comments on an issue or PR (same number space on GitHub). With `taskId`, the comment is the
   * task's one comment there: a repeat (a retry after a crash between posting and recording it)
   * finds the first and posts nothing.
   */
  comment(repo: RepoRef, number: number, body: string, opts?: { taskId?: string }): Promise<void>;

  // ---- The PR loop (docs/pr-loop.md) ----

  /** A pull request by number, or undefined when the repo has none with that number. */
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequestInfo | undefined>;
  /** Everything on a pull request the watcher and the outcome records need. */
  listActivity(repo: RepoRef, number: number): Promise<PrActivity>;
  /**
   * Replies in a review thread. Idempotent per task and thread: the reply carries the task's
   * marker, and a repeat (a retry after a crash) that finds it posts nothing.
   */
  replyToThread(
    repo: RepoRef,
    number: number,
    threadId: string,
    body: string,
    opts: { taskId: string },
  ): Promise<void>;
  /** Marks a review thread resolved (a no-op when it already is). */
  resolveThread(repo: RepoRef, number: number, threadId: string): Promise<void>;
  /**
   * Posts one review: a verdict, a body and comments on lines of the diff (the caller has moved
   * any comment outside the diff into the body). Idempotent per task: a repeat finds the review
   * it posted (its body carries the task's marker) and posts nothing.
   */
  postReview(
    repo: RepoRef,
    number: number,
    review: { commitSha: string; verdict: ReviewVerdict; body: string; comments: ReviewLineComment[] },
    opts: { taskId: string },
  ): Promise<{ url: string | null }>;
}
