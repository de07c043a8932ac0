import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INTAKE_LIMITS } from '../../config/intake-limits.ts';
import type { GitCli } from '../../git/git-cli.ts';
import { probeGitRemote } from '../../git/remote-probe.ts';
import {
  type Forge,
  type ForgeContext,
  ForgeError,
  type GitRemote,
  type PullRequest,
  type PullRequestInfo,
  type RepoRef,
} from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { FakeEffects } from '../fake-effects.ts';
import {
  addFakeReply,
  addFakeReview,
  type FakePull,
  getFakePull,
  getFakeThreadRoot,
  listFakeConversation,
  listFakeReviewComments,
  listFakeReviews,
  setFakeThreadResolved,
} from './fake-pulls.ts';
import { openThreads, REVIEW_STATE, threadIdOf, threadsOf, toPrComment } from './stored-threads.ts';

const UNREACHABLE = 'fake-unreachable/';
const NO_PUSH = 'fake-readonly/';
const MISSING = 'fake-missing/';
/** Who the fake says opened ABCA's pull requests and wrote its replies and reviews. */
const BOT = 'abca';
/** The newest this many of each kind of activity are listed. */
const ACTIVITY_CAP = 300;

const noThread = (threadId: string, number: number) =>
  new ForgeError(
    'REPO_NOT_FOUND_OR_NO_ACCESS',
    `fake forge: no review thread ${threadId.slice(0, 40)} on PR ${number}`,
    false,
  );

type PullRow = {
  number: number;
  repo: string;
  branch: string;
  base: string;
  draft: boolean;
  title: string;
  state: PullRequest['state'];
};
const ROW = 'number, repo, branch, base, draft, title, state';

/** The bare repository that stands for a fake repo's remote, under the forge's cache folder. */
export function fakeRemotePath(cacheDir: string, repo: string): string {
  const hash = createHash('sha256').update(repo).digest('hex').slice(0, 12);
  return join(cacheDir, 'fake-remotes', `${repo.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)}-${hash}.git`);
}

/**
 * How many times `branch` of a fake remote was moved by a push (its reflog): crash tests check a
 * task's push happened once however often finalization ran.
 */
export async function fakeRemotePushes(cacheDir: string, repo: string, branch: string): Promise<number> {
  const log = join(fakeRemotePath(cacheDir, repo), 'logs', 'refs', 'heads', ...branch.split('/'));
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

/**
 * A forge for tests and demos without a remote service: pull requests are rows in the platform's
 * database, and each repo's remote is a real bare repository on the host (one empty commit on the
 * default branch), so the task's git work runs exactly as for the other forges. Repos named
 * `fake-unreachable/*` fail pre-flight's access check, `fake-readonly/*` fail it as not pushable,
 * and `fake-missing/*` have no remote at all (git fails to reach them).
 */
export function createFakeForge(deps: {
  db: Queryable;
  effects: FakeEffects;
  git: GitCli;
  /** Where the fake remotes live (`<cacheDir>/fake-remotes`). */
  cacheDir: string;
  baseUrl?: string;
}): Forge {
  const { db, effects, git } = deps;
  const base = deps.baseUrl ?? 'https://forge.invalid';

  /** Makes the repo's bare remote once (in a temporary folder renamed into place). */
  async function ensureRemote(repo: RepoRef): Promise<string> {
    const path = fakeRemotePath(deps.cacheDir, repo.repo);
    if (existsSync(path)) return path;
    await mkdir(join(deps.cacheDir, 'fake-remotes'), { recursive: true });
    const tmp = await mkdtemp(`${path}.tmp-`);
    try {
      await git.run(['init', '--quiet', '--bare', tmp]);
      await git.run(['config', 'core.logAllRefUpdates', 'always'], { cwd: tmp });
      const tree = (await git.run(['mktree'], { cwd: tmp, stdin: '' })).trim();
      const commit = (
        await git.run(
          [
            '-c',
            'user.name=ABCA',
            '-c',
            'user.email=abca@localhost',
            'commit-tree',
            tree,
            '-m',
            'Initial commit (fake forge)',
          ],
          { cwd: tmp },
        )
      ).trim();
      await git.run(['update-ref', `refs/heads/${repo.defaultBranch}`, commit], { cwd: tmp });
      await git.run(['symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`], { cwd: tmp });
      // The reflog counts pushes; its first entry is the creation, which is not one.
      await rm(join(tmp, 'logs'), { recursive: true, force: true });
      await rename(tmp, path).catch((err: NodeJS.ErrnoException) => {
        if (!existsSync(path)) throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return path;
  }

  /** The PR's diff, from the fake remote (host-owned), cut like the plain-git forge's. */
  async function diffOf(repo: RepoRef, baseBranch: string, branch: string): Promise<string> {
    const remote = await ensureRemote(repo);
    const res = await git.tryRun(
      ['diff', '--no-ext-diff', '--no-textconv', `refs/heads/${baseBranch}...refs/heads/${branch}`],
      {
        cwd: remote,
        maxOutputBytes: INTAKE_LIMITS.diffBytes,
        truncate: true,
      },
    );
    return res.code === 0 ? res.stdout : '';
  }

  /** Head of a branch on the fake remote, or '' when it is not there. */
  async function headOf(repo: RepoRef, branch: string): Promise<string> {
    const res = await git.tryRun(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
      cwd: await ensureRemote(repo),
    });
    return res.code === 0 ? res.stdout.trim() : '';
  }

  /** Commits on the branch since its base, oldest first. */
  async function commitsOf(repo: RepoRef, baseBranch: string, branch: string) {
    const res = await git.tryRun(
      [
        'log',
        '--reverse',
        '--max-count=1000',
        '--format=%H%x1f%an',
        `refs/heads/${baseBranch}..refs/heads/${branch}`,
      ],
      { cwd: await ensureRemote(repo), maxOutputBytes: 1024 * 1024, truncate: true },
    );
    if (res.code !== 0) return [];
    return res.stdout
      .split('\n')
      .filter((l) => l.includes('\x1f'))
      .map((l) => {
        const [sha = '', author = ''] = l.split('\x1f');
        return { sha, author };
      });
  }

  async function requirePull(repo: RepoRef, number: number): Promise<FakePull> {
    const row = await getFakePull(db, repo.repo, number);
    if (!row)
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `fake forge: no PR ${number} in ${repo.repo}`,
        false,
      );
    return row;
  }

  const toInfo = async (repo: RepoRef, r: FakePull): Promise<PullRequestInfo> => ({
    ...toPr(r),
    headSha: await headOf(repo, r.branch),
    author: BOT,
    labels: r.labels,
    createdAt: r.createdAt.toISOString(),
    mergedAt: r.mergedAt?.toISOString() ?? null,
    closedAt: r.closedAt?.toISOString() ?? null,
  });

  const toPr = (r: PullRow): PullRequest => ({
    number: r.number,
    url: `${base}/${r.repo}/pull/${r.number}`,
    branch: r.branch,
    base: r.base,
    draft: r.draft,
    title: r.title,
    state: r.state,
  });
  return {
    kind: 'fake',
    async checkAccess(repo) {
      await effects.pause();
      if (repo.repo.startsWith(UNREACHABLE) || repo.repo.startsWith(MISSING)) {
        return {
          ok: false,
          code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
          message: `fake forge: ${repo.repo} is unreachable`,
        };
      }
      if (repo.repo.startsWith(NO_PUSH)) {
        return {
          ok: false,
          code: 'INSUFFICIENT_PERMISSIONS',
          message: `fake forge: no push access to ${repo.repo}`,
        };
      }
      return { ok: true };
    },
    async verifyRemote(target, { signal }) {
      if (target.repo.startsWith(UNREACHABLE)) {
        return { ok: false, problem: 'unreachable', message: `fake forge: ${target.repo} is unreachable` };
      }
      const ref: RepoRef = { repo: target.repo, defaultBranch: target.branch ?? 'main', forge: target.forge };
      // The remote is real (made on first use, with the named branch): git is asked as for any other.
      const url = target.repo.startsWith(MISSING) ? '/nonexistent/fake-missing.git' : await ensureRemote(ref);
      const found = await probeGitRemote(git, {
        url,
        signal,
        ...(target.branch ? { branch: target.branch } : {}),
      });
      if (!found.ok)
        return { ...found, message: found.message.split(url).join(`${base}/${target.repo}.git`) };
      return { ...found, push: target.repo.startsWith(NO_PUSH) ? 'denied' : 'allowed' };
    },
    async gitRemote(repo): Promise<GitRemote> {
      const publicUrl = `${base}/${repo.repo}.git`;
      if (repo.repo.startsWith(MISSING)) return { url: '/nonexistent/fake-missing.git', publicUrl };
      return { url: await ensureRemote(repo), publicUrl };
    },
    async fetchContext(repo, ref) {
      await effects.pause();
      const ctx: ForgeContext = {};
      if (ref.issueNumber) {
        ctx.issue = {
          number: ref.issueNumber,
          title: `Issue ${ref.issueNumber}`,
          body: 'Fake issue body.',
          comments: [],
        };
      }
      if (ref.prNumber) {
        const row = await getFakePull(db, repo.repo, ref.prNumber);
        if (!row)
          throw new ForgeError(
            'REPO_NOT_FOUND_OR_NO_ACCESS',
            `fake forge: no PR ${ref.prNumber} in ${repo.repo}`,
            false,
          );
        ctx.pullRequest = {
          number: row.number,
          title: row.title,
          body: row.body,
          diff: await diffOf(repo, row.base, row.branch),
          base: row.base,
          branch: row.branch,
          headSha: await headOf(repo, row.branch),
          state: row.state,
          conversation: (await listFakeConversation(db, repo.repo, row.number)).slice(-100).map(toPrComment),
          // The fake has no CI: its checks never fail.
          failingChecks: [],
          reviewThreads: openThreads(await listFakeReviewComments(db, row.number)),
        };
      }
      return ctx;
    },
    async findPullRequest(repo, branch) {
      const res = await db.query<PullRow>(
        `SELECT ${ROW} FROM fake_forge_pulls WHERE repo = $1 AND branch = $2 ORDER BY number LIMIT 1`,
        [repo.repo, branch],
      );
      return res.rows[0] ? toPr(res.rows[0]) : undefined;
    },
    async openPullRequest(repo, pr) {
      // Like GitHub's 422 "already exists": a second open for the branch returns the first PR.
      const existing = await this.findPullRequest(repo, pr.branch);
      if (existing) {
        await effects.record(pr.taskId, 'forge.pr_open_repeated', { number: existing.number });
        return existing;
      }
      const res = await db.query<PullRow>(
        `INSERT INTO fake_forge_pulls (repo, branch, base, title, body, draft) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${ROW}`,
        [repo.repo, pr.branch, pr.base, pr.title, pr.body, pr.draft],
      );
      const opened = toPr(res.rows[0] as PullRow);
      await effects.record(pr.taskId, 'forge.pr_opened', { number: opened.number, branch: pr.branch });
      await effects.pause();
      return opened;
    },
    async updatePullRequest(repo, number, patch) {
      const res = await db.query<PullRow>(
        `UPDATE fake_forge_pulls SET title = coalesce($3, title), body = coalesce($4, body), draft = coalesce($5, draft)
         WHERE repo = $1 AND number = $2 RETURNING ${ROW}`,
        [repo.repo, number, patch.title ?? null, patch.body ?? null, patch.draft ?? null],
      );
      if (!res.rows[0]) throw new Error(`fake forge: no PR ${number} in ${repo.repo}`);
      return toPr(res.rows[0]);
    },
    async getPullRequest(repo, number) {
      const row = await getFakePull(db, repo.repo, number);
      return row ? toInfo(repo, row) : undefined;
    },
    async listActivity(repo, number) {
      const row = await requirePull(repo, number);
      const comments = await listFakeReviewComments(db, number);
      return {
        pr: await toInfo(repo, row),
        reviews: (await listFakeReviews(db, number)).slice(-ACTIVITY_CAP).map((r) => ({
          id: String(r.id),
          author: r.author,
          state: REVIEW_STATE[r.verdict],
          body: r.body,
          submittedAt: r.createdAt.toISOString(),
        })),
        threads: threadsOf(comments).slice(-ACTIVITY_CAP),
        comments: (await listFakeConversation(db, repo.repo, number)).slice(-ACTIVITY_CAP).map(toPrComment),
        failingChecks: [],
        commits: await commitsOf(repo, row.base, row.branch),
      };
    },
    async replyToThread(repo, number, threadId, body, opts) {
      await requirePull(repo, number);
      const root = await getFakeThreadRoot(db, number, threadIdOf(threadId));
      if (!root) throw noThread(threadId, number);
      await addFakeReply(db, { pull: number, rootId: root.id, author: BOT, body, taskId: opts.taskId });
      await effects.pause();
    },
    async resolveThread(repo, number, threadId) {
      await requirePull(repo, number);
      if ((await setFakeThreadResolved(db, number, threadIdOf(threadId), true)) === 0)
        throw noThread(threadId, number);
    },
    async postReview(repo, number, review, opts) {
      await requirePull(repo, number);
      await addFakeReview(db, {
        pull: number,
        author: BOT,
        verdict: review.verdict,
        body: review.body,
        commitSha: review.commitSha,
        taskId: opts.taskId,
        comments: review.comments,
      });
      await effects.pause();
      return { url: `${base}/${repo.repo}/pull/${number}#reviews` };
    },
    async comment(repo, number, body, opts) {
      // Filed under the task when there is one, so crash tests can count it with its other effects.
      const owner = opts?.taskId ?? `${repo.repo}#${number}`;
      if (opts?.taskId) {
        const done = await effects.list(opts.taskId);
        if (done.some((e) => e.effect === 'forge.comment' && e.detail.number === number)) return;
      }
      await effects.record(owner, 'forge.comment', { repo: repo.repo, number, body });
      await effects.pause();
    },
  };
}
