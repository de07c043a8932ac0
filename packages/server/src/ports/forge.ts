import type { TaskFailureCode } from '@abca/contracts';

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
    /** Unresolved threads only, where the forge knows (GitHub); `outdated`: its lines changed since. */
    reviewThreads: {
      path: string;
      line: number | null;
      comments: { author: string; body: string }[];
      outdated?: boolean;
    }[];
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

/**
 * Where repositories live and pull requests are opened: GitHub, a plain git remote, or a fake.
 *
 * Invariants (checked by the shared contract suite every adapter runs):
 * - Credentials never leave the adapter: no token is written into a workspace, `.git/config`, a
 *   returned value, an error message or a log line; git gets them per command.
 * - The workspace belongs to the task and is untrusted once the agent ran: the host never runs git
 *   in it with its hooks or config. `pushBranch` fetches the branch out of it into the host's own
 *   repository and pushes from there.
 * - Every method is safe to call again after a crash: pushing a commit the remote already has is a
 *   no-op, and callers use `findPullRequest` before `openPullRequest` so a retry never opens a second PR.
 * - Expected failures of pre-flight are values ({@link ForgeCheck}); other failures throw
 *   {@link ForgeError}.
 */
export interface Forge {
  readonly kind: string;
  /** Pre-flight: reachable, credentials can push, default branch present. */
  checkAccess(repo: RepoRef): Promise<ForgeCheck>;
  /** Creates or refreshes the host's bare mirror of the repo in the cache folder; returns its path. */
  syncMirror(repo: RepoRef): Promise<{ path: string; defaultBranchHead: string }>;
  /**
   * Makes a fresh clone at `dir` from the mirror (no network; objects copied so no path to the
   * mirror is needed inside the sandbox), on a new local branch `branch` from the default branch.
   * The clone's `origin` carries no credentials. Idempotent: an existing clone at `dir` is kept.
   */
  createWorkspace(repo: RepoRef, opts: { dir: string; branch: string }): Promise<{ baseCommit: string }>;
  /** Reads a file of the default branch from the mirror, or undefined when absent. */
  readFile(repo: RepoRef, path: string): Promise<string | undefined>;
  /** Head commit of a branch on the remote, or undefined when the branch does not exist. */
  getBranchHead(repo: RepoRef, branch: string): Promise<string | undefined>;
  /** Pushes `branch` of the workspace at `dir` to the remote, from the host. */
  pushBranch(repo: RepoRef, opts: { dir: string; branch: string }): Promise<{ commit: string }>;
  /**
   * Reads the commits of `branch` since `baseCommit` out of the (untrusted) workspace as a git
   * bundle, without running its hooks or config: a checkpoint another machine can restore. `bundle`
   * is null when the branch has no commits of its own.
   */
  snapshotWorkspace(
    repo: RepoRef,
    opts: { dir: string; branch: string; baseCommit: string },
  ): Promise<{ head: string; bundle: Buffer | null }>;
  /**
   * Makes the workspace at `dir` (as {@link createWorkspace}) with `branch` at the snapshot's head,
   * or at `baseCommit` when the snapshot has no bundle.
   */
  restoreWorkspace(
    repo: RepoRef,
    opts: { dir: string; branch: string; baseCommit: string; bundle: Buffer | null },
  ): Promise<{ head: string }>;
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
}
