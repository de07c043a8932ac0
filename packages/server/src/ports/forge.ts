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
}
