import type { TaskFailureCode } from '@abca/contracts';

/** The repository a forge call is about, as onboarded. */
export interface RepoRef {
  repo: string;
  defaultBranch: string;
  forge: Record<string, unknown>;
}

export interface PullRequest {
  number: number;
  url: string;
  branch: string;
  base: string;
  draft: boolean;
}

/** Outside text a task refers to (issue or PR). Untrusted: the prompt fences it. */
export interface ForgeContext {
  issue?: { number: number; title: string; body: string; comments: string[] };
  pullRequest?: { number: number; title: string; body: string; diff: string; reviewComments: string[] };
}

export type ForgeCheck = { ok: true } | { ok: false; code: TaskFailureCode; message: string };

/**
 * Where repositories live and pull requests are opened (GitHub, a plain git remote, a fake).
 *
 * Invariants:
 * - Every method is safe to call again after a crash: `pushBranch` of the same commit is a no-op,
 *   and callers use `findPullRequest` before `openPullRequest` so a retry never opens a second PR.
 * - Expected failures of pre-flight are values ({@link ForgeCheck}); a thrown error means "retry".
 * - Credentials never leave the adapter: nothing returned contains a token.
 */
export interface Forge {
  readonly kind: string;
  /** Pre-flight: reachable, pushable, default branch present. */
  checkAccess(repo: RepoRef): Promise<ForgeCheck>;
  fetchContext(repo: RepoRef, ref: { issueNumber?: number; prNumber?: number }): Promise<ForgeContext>;
  /** Head commit of a branch on the remote, or undefined when the branch does not exist. */
  getBranchHead(repo: RepoRef, branch: string): Promise<string | undefined>;
  pushBranch(repo: RepoRef, branch: string, commit: string): Promise<void>;
  findPullRequest(repo: RepoRef, branch: string): Promise<PullRequest | undefined>;
  openPullRequest(
    repo: RepoRef,
    pr: { branch: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<PullRequest>;
}
