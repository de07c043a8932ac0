import type { TaskFailureCode } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import type { RepoRef } from './forge.ts';

/** A commit of the task's work, as read from the verified capture (not from the workspace). */
export interface WorkCommit {
  sha: string;
  /** The subject line, cut to 200 characters: untrusted text written by the agent. */
  subject: string;
}

/**
 * The task's work taken out of its sandbox and verified on the host: the task branch's commits
 * since its base as a git bundle. What the host pushes and what a checkpoint keeps.
 */
export interface WorkCapture {
  /** Head commit of the task branch (computed by the host from the bundle). */
  head: string;
  /** Null when the branch has no commits of its own (head is the base). */
  bundle: Buffer | null;
  /** Oldest first, at most 1,000 (the newest). */
  commits: WorkCommit[];
  /** Files the commits change, computed by the host (at most 200); absent on older checkpoints. */
  paths?: string[];
}

/** Bounds on what a workspace may hold and what the host takes out of it. */
export interface WorkspaceLimits {
  /**
   * Files of the default branch a checkout may hold (more: `REPO_TOO_LARGE`), and files the work's
   * tree may hold (more: `WORK_TOO_LARGE`: a branch no later task could check out).
   */
  maxFiles: number;
  /** Bytes the checked-out files may add up to (more: `REPO_TOO_LARGE`). */
  maxCheckoutBytes: number;
  /** Largest capture (git bundle) the host reads out of a sandbox (more: `WORK_TOO_LARGE`). */
  maxCaptureBytes: number;
  /** Largest single file in the task's commits (more: `WORK_TOO_LARGE`). */
  maxFileBytes: number;
}

/**
 * A typed failure of workspace work caused by what is in the repository or the workspace (too
 * large, broken by the agent): the task ends with the code. `retryable` as in the failure catalogue.
 */
export class WorkspaceError extends Error {
  constructor(
    readonly code: Extract<TaskFailureCode, 'REPO_TOO_LARGE' | 'WORK_TOO_LARGE' | 'WORKSPACE_CORRUPT'>,
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

/** What a mirror refresh must hold for its caller ({@link Workspaces.syncMirror}). */
export interface MirrorSyncOptions {
  /** Branches besides the default branch the caller reads (a pull request's branch). */
  branches?: string[];
  /**
   * Commits the caller knows a branch holds (a pull request's head the forge reported): when the
   * mirror's branch does not contain one, the mirror is fetched again, whatever the window says.
   */
  want?: Record<string, string>;
  /** Epoch ms: only a refresh that began at or after this serves the call (a push just made). */
  freshAfter?: number;
  signal?: AbortSignal;
}

/**
 * The task's local git work on the host: a bare mirror per repository, a task's workspace folder,
 * taking the work out of the sandbox, restoring it on another machine, and pushing it. One
 * implementation serves every forge; the forge only says where the remote is ({@link
 * import('./forge.ts').Forge.gitRemote}).
 *
 * Invariants (checked by the shared contract suite, for every forge's remote):
 * - The host never runs git, or anything else, that reads configuration, hooks or objects from a
 *   folder a sandbox has written. Work in the workspace's `.git` (committing leftovers, making a
 *   bundle) runs inside the sandbox; the host takes only the bundle out, read through the sandbox
 *   with a size cap (never following links, never from a FIFO or device), and verifies it in a
 *   clean repository of its own (no system or global config, objects checked) before using it.
 * - A workspace folder is always made fresh by the host (never reused after a sandbox had it) and
 *   holds only `.git` when the host hands it over; files are checked out inside the sandbox, under
 *   its limits.
 * - Everything taken from the repository or a sandbox is bounded ({@link WorkspaceLimits}): over a
 *   bound is a {@link WorkspaceError}, never unbounded memory or disk on the host.
 * - Credentials reach git per command only: never a URL, a workspace, a returned value or an error.
 * - Safe to call again after a crash: pushing a commit the remote has is a no-op.
 */
export interface Workspaces {
  /**
   * Creates or refreshes the host's bare mirror of the repo — its default branch, and the
   * branches `opts` names — and returns the default branch head. A refresh that began within the
   * freshness window (`ABCA_MIRROR_FRESH_MS`) before the call, or one still waiting to begin,
   * serves the call; `freshAfter` and `want` say when that is not enough ({@link MirrorSyncOptions}).
   */
  syncMirror(repo: RepoRef, opts?: MirrorSyncOptions): Promise<{ defaultBranchHead: string }>;
  /**
   * Files of the default branch — or, given `ref`, of that commit or branch (an open pull
   * request's head) — from the mirror, each cut to `maxBytes` (default 1 MiB) with `truncated` set
   * when longer; a path absent or not a file is not in the answer, and a `ref` the mirror does not
   * hold gives an empty answer.
   */
  readFiles(
    repo: RepoRef,
    paths: string[],
    opts?: { maxBytes?: number; ref?: string },
  ): Promise<Map<string, { text: string; truncated: boolean }>>;
  /**
   * Head of a branch on the remote, or undefined when it does not exist. Costs the same on a
   * remote of 10,000 branches as on one of one: the remote is asked for that branch alone (except
   * over ssh and git://, and from a server that does not speak git's protocol v2). Undefined means
   * the remote answered that it has no such branch; a remote that cannot be reached throws.
   */
  remoteHead(repo: RepoRef, branch: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /**
   * Makes a fresh folder at `dir` (replacing whatever was there, which is never reused) holding
   * only the repository's `.git`, with `branch` at the default branch head — given `startBranch`,
   * at that branch's head in the mirror (a task on an open pull request's branch) — or, given
   * `from`, at the head of that capture on top of `from.baseCommit` (a task moving to another
   * machine). A `startBranch` the mirror does not hold fails with `PR_BRANCH_GONE`. No
   * file is checked out yet: give the folder to a sandbox, then call {@link Workspaces.checkout}.
   * Throws `REPO_TOO_LARGE` when the tree to check out is over the limits.
   */
  prepare(
    repo: RepoRef,
    opts: {
      dir: string;
      branch: string;
      limits: WorkspaceLimits;
      from?: { baseCommit: string; bundle: Buffer | null };
      startBranch?: string;
      signal?: AbortSignal;
    },
  ): Promise<{ baseCommit: string; head: string }>;
  /**
   * Checks the prepared branch's files out, inside the sandbox whose workspace is the prepared
   * folder: the files are written under the sandbox's limits (disk, time), never by the host.
   * Throws `REPO_TOO_LARGE` when a limit stops it.
   */
  checkout(repo: RepoRef, sandbox: Sandbox, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Takes the task's work out of the sandbox: commits what was left uncommitted (inside the
   * sandbox, with `message`), bundles `branch` since `baseCommit`, reads the bundle out under
   * `limits.maxCaptureBytes` and verifies it on the host (objects checked, descends from the base,
   * no file over `limits.maxFileBytes`). Throws `WORK_TOO_LARGE` or `WORKSPACE_CORRUPT`. With
   * `previous` (a capture of this task verified earlier, such as its checkpoint), unchanged work —
   * the same head, nothing left uncommitted — is that capture, not read and checked again.
   */
  capture(
    repo: RepoRef,
    sandbox: Sandbox,
    opts: {
      branch: string;
      baseCommit: string;
      message: string;
      limits: WorkspaceLimits;
      previous?: WorkCapture;
      signal?: AbortSignal;
    },
  ): Promise<WorkCapture>;
  /**
   * Pushes a capture's head to `branch` on the remote, from a clean host repository; never forced,
   * so a remote that moved meanwhile refuses it (`PUSH_REJECTED`). Given `onto` (the branch's newer
   * head on the remote: someone pushed since `baseCommit`), the capture's commits are first replayed
   * onto it there — no work tree, nothing run from the repository, the same commits for the same
   * work and head — and `beforePush` hears the replayed head before it is pushed; a conflict, a
   * rewritten branch or a branch no longer at `onto` is `PUSH_CONFLICT` with nothing pushed.
   */
  push(
    repo: RepoRef,
    opts: {
      branch: string;
      baseCommit: string;
      capture: WorkCapture;
      onto?: string;
      beforePush?: (commit: string) => Promise<void>;
      signal?: AbortSignal;
    },
  ): Promise<{ commit: string }>;
}
