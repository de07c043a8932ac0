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
  type RepoRef,
} from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { FakeEffects } from '../fake-effects.ts';

const UNREACHABLE = 'fake-unreachable/';
const NO_PUSH = 'fake-readonly/';
const MISSING = 'fake-missing/';

type PullRow = { number: number; repo: string; branch: string; base: string; draft: boolean; title: string };

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

  const toPr = (r: PullRow): PullRequest => ({
    number: r.number,
    url: `${base}/${r.repo}/pull/${r.number}`,
    branch: r.branch,
    base: r.base,
    draft: r.draft,
    title: r.title,
    state: 'open',
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
        const res = await db.query<PullRow & { body: string }>(
          'SELECT number, repo, branch, base, draft, title, body FROM fake_forge_pulls WHERE repo = $1 AND number = $2',
          [repo.repo, ref.prNumber],
        );
        const row = res.rows[0];
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
          // TODO(pr-loop foundation): filled by the helper that implements this forge's PR loop.
          headSha: '',
          state: 'open',
          conversation: [],
          failingChecks: [],
          reviewThreads: [],
        };
      }
      return ctx;
    },
    async findPullRequest(repo, branch) {
      const res = await db.query<PullRow>(
        'SELECT number, repo, branch, base, draft, title FROM fake_forge_pulls WHERE repo = $1 AND branch = $2 ORDER BY number LIMIT 1',
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
         RETURNING number, repo, branch, base, draft, title`,
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
         WHERE repo = $1 AND number = $2 RETURNING number, repo, branch, base, draft, title`,
        [repo.repo, number, patch.title ?? null, patch.body ?? null, patch.draft ?? null],
      );
      if (!res.rows[0]) throw new Error(`fake forge: no PR ${number} in ${repo.repo}`);
      return toPr(res.rows[0]);
    },
    // TODO(pr-loop foundation): replaced by the helper that implements this forge's PR loop.
    getPullRequest: () => Promise.reject(new Error('not implemented yet')),
    listActivity: () => Promise.reject(new Error('not implemented yet')),
    replyToThread: () => Promise.reject(new Error('not implemented yet')),
    resolveThread: () => Promise.reject(new Error('not implemented yet')),
    postReview: () => Promise.reject(new Error('not implemented yet')),
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
