import { isAbsolute } from 'node:path';
import { INTAKE_LIMITS } from '../../../config/intake-limits.ts';
import { readHostBranchTips } from '../../../git/branch-tips.ts';
import type { GitCli } from '../../../git/git-cli.ts';
import type { Mirrors } from '../../../git/mirrors.ts';
import { probeGitRemote } from '../../../git/remote-probe.ts';
import type { Logger } from '../../../ops/logger.ts';
import {
  type Forge,
  type ForgeContext,
  ForgeError,
  type GitCredential,
  type GitRemote,
  type PullRequest,
  type PullRequestInfo,
  type RepoRef,
} from '../../../ports/forge.ts';
import type { Queryable } from '../../../storage/db.ts';
import {
  addChangeRequestComment,
  type ChangeRequest,
  findChangeRequest,
  getChangeRequest,
  getChangeRequestComment,
  insertChangeRequest,
  insertChangeRequestReview,
  listChangeRequestComments,
  listChangeRequestReviews,
  setChangeRequestThreadResolved,
  updateChangeRequest,
} from '../../../store/change-requests.ts';
import { openThreads, REVIEW_STATE, threadIdOf, threadsOf, toPrComment } from '../stored-threads.ts';
import { listChange } from './change-listing.ts';

export interface GitForgeDeps {
  db: Queryable;
  log?: Logger;
  git: GitCli;
  /**
   * The host's mirrors (shared with the Workspaces port): the access check pushes a dry run from
   * one, and a change request's commits and diff are read from it after the push.
   */
  mirrors: Pick<Mirrors, 'sync' | 'ensure'>;
  /** Link shown for a change request (the dashboard's page); default `abca://change-requests/<n>`. */
  changeRequestUrl?: (number: number) => string;
  /** Author recorded for comments ABCA posts; default `abca`. */
  commentAuthor?: string;
  /**
   * The repo's stored credential, looked up (and decrypted) before each remote call and handed to
   * git as a per-command header; undefined: none. Throws a {@link ForgeError} when it cannot be used.
   */
  credentials?: (repo: RepoRef) => Promise<GitCredential | undefined>;
}

/**
 * The plain-git forge: any git URL or local path, no API. The remote only receives branches; pull
 * requests are "change requests" kept by ABCA in `change_requests`, with the commits and the diff
 * computed from the mirror after the branch was pushed. There are no issues.
 *
 * Credentials come from `deps.credentials` (stored apart from the repo, sealed) and go to git as
 * a Basic header per command, never into a URL; without one the host's network position (or file
 * permissions) is the access control. URLs with `user:password@` still work (git reads them) but are
 * never written into a workspace.
 */
export function createGitForge(deps: GitForgeDeps): Forge {
  const { db, git, mirrors } = deps;
  const gitRemote = async (repo: RepoRef): Promise<GitRemote> => {
    const url = urlOf(repo);
    const credential = await deps.credentials?.(repo);
    return { url, publicUrl: stripCredentials(url), ...(credential ? { credential } : {}) };
  };
  const crUrl = deps.changeRequestUrl ?? ((n: number) => `abca://change-requests/${n}`);
  const toPr = (cr: ChangeRequest): PullRequest => ({
    number: cr.number,
    url: crUrl(cr.number),
    branch: cr.branch,
    base: cr.base,
    draft: cr.draft,
    title: cr.title,
    state: cr.state,
  });

  const toInfo = (cr: ChangeRequest): PullRequestInfo => ({
    ...toPr(cr),
    headSha: cr.headCommit ?? '',
    author: deps.commentAuthor ?? 'abca',
    labels: [],
    createdAt: cr.createdAt.toISOString(),
    mergedAt: cr.mergedAt?.toISOString() ?? null,
    closedAt: cr.closedAt?.toISOString() ?? null,
  });

  async function requireChangeRequest(repo: RepoRef, number: number): Promise<ChangeRequest> {
    const cr = await getChangeRequest(db, number);
    if (!cr || cr.repo !== repo.repo)
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `no change request ${number} in ${repo.repo}`,
        false,
      );
    return cr;
  }

  /**
   * Per change request, the branch tips (`<base tip> <head>`) its stored commits and diff were
   * computed from in this process: a refresh that finds the same tips (a poll of a change request
   * nobody pushed to) costs no more git and no write. Bounded; a restart computes once again.
   */
  const computed = new Map<number, string>();

  /**
   * Recomputes commits and diff of a change request from the refreshed mirror, when its tips moved.
   * `now`: as the remote has them now (a branch just pushed included), so a refresh begun before
   * this call does not do; `window`: a refresh within the mirrors' freshness window does (a poll,
   * which the next poll follows: the first poll of a change request just opened costs no fetch).
   */
  async function refresh(
    repo: RepoRef,
    cr: ChangeRequest,
    fresh: 'now' | 'window' = 'now',
  ): Promise<ChangeRequest> {
    const { path } = await mirrors.sync(repo, {
      branches: [cr.branch, cr.base],
      ...(fresh === 'now' ? { freshAfter: Date.now() } : {}),
    });
    const tips = await readHostBranchTips(git, path, [cr.branch, cr.base]);
    const head = tips.get(cr.branch);
    const baseTip = tips.get(cr.base);
    if (!head || !baseTip) return cr;
    const tipsKey = `${baseTip} ${head}`;
    if (computed.get(cr.number) === tipsKey && cr.headCommit === head) return cr;
    const { base, commits, diff, complete } = await listChange(git, path, baseTip, head, MAX_DIFF_BYTES);
    const updated = await updateChangeRequest(db, cr.repo, cr.number, {
      baseCommit: base,
      headCommit: head,
      commits,
      diff,
    });
    if (!updated) return cr;
    computed.delete(cr.number);
    // A listing that failed is computed again at the next refresh, not kept.
    if (complete) computed.set(cr.number, tipsKey);
    if (computed.size > MAX_COMPUTED) computed.delete(computed.keys().next().value as number);
    return updated;
  }

  return {
    kind: 'git',

    async checkAccess(repo) {
      try {
        // The task's hydration refreshed the mirror moments ago; made here when missing.
        const path = await mirrors.ensure(repo);
        const target = await gitRemote(repo);
        // A dry run asks the remote's receive-pack for its refs: it fails when the remote is not
        // reachable or without push access, and needs the default branch in the mirror.
        await git.run(
          [
            'push',
            '--dry-run',
            '--quiet',
            target.url,
            `refs/heads/${repo.defaultBranch}:refs/heads/abca-access-check`,
          ],
          { cwd: path, op: 'push', ...(target.credential ? { credential: target.credential } : {}) },
        );
        return { ok: true };
      } catch (err) {
        if (err instanceof ForgeError) return { ok: false, code: err.code, message: err.message };
        throw err;
      }
    },
    gitRemote,

    async verifyRemote(target, { signal }) {
      if (target.forge.kind !== 'git')
        return { ok: false, problem: 'invalid', message: `${target.repo} is not a plain-git repo` };
      return probeGitRemote(git, {
        url: target.forge.url,
        signal,
        ...(target.branch ? { branch: target.branch } : {}),
        ...(target.credential ? { credential: target.credential } : {}),
      });
    },

    async findPullRequest(repo, branch) {
      const cr = await findChangeRequest(db, repo.repo, branch);
      return cr ? toPr(cr) : undefined;
    },
    async openPullRequest(repo, pr) {
      const cr = await insertChangeRequest(db, { repo: repo.repo, ...pr });
      deps.log?.info({ repo: repo.repo, number: cr.number, branch: cr.branch }, 'change request opened');
      return toPr(await refresh(repo, cr));
    },
    async updatePullRequest(repo, number, patch) {
      const cr = await updateChangeRequest(db, repo.repo, number, patch);
      if (!cr)
        throw new ForgeError(
          'REPO_NOT_FOUND_OR_NO_ACCESS',
          `no change request ${number} in ${repo.repo}`,
          false,
        );
      return toPr(await refresh(repo, cr));
    },
    async fetchContext(repo, ref) {
      const ctx: ForgeContext = {};
      if (ref.prNumber === undefined) return ctx;
      // Refreshed: someone may have pushed to the branch since ABCA last looked.
      const cr = await refresh(repo, await requireChangeRequest(repo, ref.prNumber));
      const comments = await listChangeRequestComments(db, cr.number);
      ctx.pullRequest = {
        number: cr.number,
        title: cr.title,
        body: cr.body,
        diff: cr.diff,
        base: cr.base,
        branch: cr.branch,
        headSha: cr.headCommit ?? '',
        state: cr.state,
        reviewThreads: openThreads(comments),
        conversation: comments
          .filter((c) => c.path === null && c.inReplyTo === null)
          .slice(-100)
          .map(toPrComment),
        failingChecks: [],
      };
      return ctx;
    },
    async getPullRequest(repo, number) {
      const cr = await getChangeRequest(db, number);
      return cr && cr.repo === repo.repo ? toInfo(cr) : undefined;
    },
    async listActivity(repo, number) {
      const cr = await refresh(repo, await requireChangeRequest(repo, number), 'window');
      const all = await listChangeRequestComments(db, number);
      const reviews = await listChangeRequestReviews(db, number);
      return {
        pr: toInfo(cr),
        reviews: reviews.slice(-ACTIVITY_CAP).map((r) => ({
          id: String(r.id),
          author: r.author,
          state: REVIEW_STATE[r.verdict],
          body: r.body,
          submittedAt: r.createdAt.toISOString(),
        })),
        threads: threadsOf(all).slice(-ACTIVITY_CAP),
        comments: all
          .filter((c) => c.path === null && c.inReplyTo === null)
          .slice(-ACTIVITY_CAP)
          .map(toPrComment),
        // Plain git has no CI of its own.
        failingChecks: [],
        commits: cr.commits.map((c) => ({ sha: c.sha, author: c.author })),
      };
    },
    async replyToThread(repo, number, threadId, body, opts) {
      await requireChangeRequest(repo, number);
      const root = await getChangeRequestComment(db, number, threadIdOf(threadId));
      if (!root || root.inReplyTo !== null || root.path === null)
        throw new ForgeError(
          'REPO_NOT_FOUND_OR_NO_ACCESS',
          `no review thread ${threadId} on change request ${number}`,
          false,
        );
      await addChangeRequestComment(db, {
        number,
        author: deps.commentAuthor ?? 'abca',
        body,
        inReplyTo: root.id,
        taskId: opts.taskId,
      });
    },
    async resolveThread(repo, number, threadId) {
      await requireChangeRequest(repo, number);
      if ((await setChangeRequestThreadResolved(db, number, threadIdOf(threadId), true)) === 0)
        throw new ForgeError(
          'REPO_NOT_FOUND_OR_NO_ACCESS',
          `no review thread ${threadId} on change request ${number}`,
          false,
        );
    },
    async postReview(repo, number, review, opts) {
      await requireChangeRequest(repo, number);
      await insertChangeRequestReview(db, {
        number,
        author: deps.commentAuthor ?? 'abca',
        verdict: review.verdict,
        body: review.body,
        taskId: opts.taskId,
        comments: review.comments,
      });
      return { url: crUrl(number) };
    },
    async comment(repo, number, body, opts) {
      const cr = await getChangeRequest(db, number);
      if (!cr || cr.repo !== repo.repo) {
        throw new ForgeError(
          'REPO_NOT_FOUND_OR_NO_ACCESS',
          `no change request ${number} in ${repo.repo}`,
          false,
        );
      }
      await addChangeRequestComment(db, {
        number,
        author: deps.commentAuthor ?? 'abca',
        body,
        ...(opts?.taskId ? { taskId: opts.taskId } : {}),
      });
    },
  };
}

/** The newest this many of each kind of activity are listed. */
const ACTIVITY_CAP = 300;

/** Largest diff kept with a change request. */
const MAX_DIFF_BYTES = INTAKE_LIMITS.diffBytes;
/** Change requests whose computed tips {@link createGitForge} remembers (the oldest go first). */
const MAX_COMPUTED = 10_000;

function urlOf(repo: RepoRef): string {
  if (repo.forge.kind !== 'git') {
    throw new ForgeError(
      'REPO_NOT_FOUND_OR_NO_ACCESS',
      `${repo.repo} is not a plain-git repo (${repo.forge.kind})`,
      false,
    );
  }
  const url = repo.forge.url;
  // A relative path would depend on the worker's working directory; `-` would read as an option.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/:]+@[^:]+:/.test(url) && !isAbsolute(url)) {
    throw new ForgeError(
      'REPO_NOT_FOUND_OR_NO_ACCESS',
      `the git URL of ${repo.repo} must be absolute: ${url}`,
      false,
    );
  }
  return url;
}

/** The URL without `user:password@`, for places people and sandboxes see. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
