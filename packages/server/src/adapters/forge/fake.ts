import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Forge, PullRequest } from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { FakeEffects } from '../fake-effects.ts';

const run = promisify(execFile);
const UNREACHABLE = 'fake-unreachable/';
const NO_PUSH = 'fake-readonly/';

type PullRow = { number: number; repo: string; branch: string; base: string; draft: boolean; title: string };

/** git on the host against a workspace the sandbox owns: no hooks, no fsmonitor, owner check off. */
async function git(dir: string, ...args: string[]): Promise<string> {
  const res = await run(
    'git',
    [
      '-c',
      `safe.directory=${dir}`,
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.fsmonitor=false',
      '-C',
      dir,
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent' } },
  );
  return res.stdout.trim();
}

/**
 * A forge kept in the platform's database: branches and pull requests are rows, and a workspace is
 * a fresh one-commit git repository. For tests and demos of the platform without a remote. Repos
 * named `fake-unreachable/*` fail pre-flight as unreachable and `fake-readonly/*` as not pushable.
 */
export function createFakeForge(deps: { db: Queryable; effects: FakeEffects; baseUrl?: string }): Forge {
  const { db, effects } = deps;
  const base = deps.baseUrl ?? 'https://forge.invalid';
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
      if (repo.repo.startsWith(UNREACHABLE)) {
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
    async syncMirror() {
      return { path: '', defaultBranchHead: '0'.repeat(40) };
    },
    async createWorkspace(repo, opts) {
      if (!existsSync(join(opts.dir, '.git'))) {
        mkdirSync(opts.dir, { recursive: true });
        await git(opts.dir, 'init', '-q', '-b', repo.defaultBranch);
        await git(opts.dir, 'config', 'user.name', 'ABCA');
        await git(opts.dir, 'config', 'user.email', 'abca@localhost');
        await git(opts.dir, 'commit', '-q', '--allow-empty', '-m', 'Initial commit (fake forge)');
        await git(opts.dir, 'checkout', '-q', '-b', opts.branch);
      }
      return { baseCommit: await git(opts.dir, 'rev-list', '--max-parents=0', 'HEAD') };
    },
    async snapshotWorkspace(_repo, opts) {
      const head = await git(opts.dir, 'rev-parse', `refs/heads/${opts.branch}`);
      // Always the whole (tiny) history, even without commits of its own: a fake workspace made
      // anew would have another root commit.
      const file = join(opts.dir, '.git', 'abca-snapshot.bundle');
      await git(opts.dir, 'bundle', 'create', '--quiet', file, `refs/heads/${opts.branch}`);
      const bundle = readFileSync(file);
      rmSync(file, { force: true });
      return { head, bundle };
    },
    async restoreWorkspace(repo, opts) {
      if (!opts.bundle) {
        await this.createWorkspace(repo, opts);
      } else {
        rmSync(opts.dir, { recursive: true, force: true });
        mkdirSync(opts.dir, { recursive: true });
        await git(opts.dir, 'init', '-q', '-b', opts.branch);
        await git(opts.dir, 'config', 'user.name', 'ABCA');
        await git(opts.dir, 'config', 'user.email', 'abca@localhost');
        const file = join(opts.dir, '.git', 'abca-snapshot.bundle');
        writeFileSync(file, opts.bundle);
        await git(opts.dir, 'fetch', '-q', file, `refs/heads/${opts.branch}`);
        await git(opts.dir, 'reset', '-q', '--hard', 'FETCH_HEAD');
        rmSync(file, { force: true });
      }
      return { head: await git(opts.dir, 'rev-parse', 'HEAD') };
    },
    async readFile() {
      return undefined;
    },
    async fetchContext(_repo, ref) {
      await effects.pause();
      return {
        ...(ref.issueNumber
          ? {
              issue: {
                number: ref.issueNumber,
                title: `Issue ${ref.issueNumber}`,
                body: 'Fake issue body.',
                comments: [],
              },
            }
          : {}),
        ...(ref.prNumber
          ? {
              pullRequest: {
                number: ref.prNumber,
                title: `PR ${ref.prNumber}`,
                body: 'Fake PR.',
                diff: '',
                base: 'main',
                branch: `pr-${ref.prNumber}`,
                reviewThreads: [],
              },
            }
          : {}),
      };
    },
    async getBranchHead(repo, branch) {
      const res = await db.query<{ head: string }>(
        'SELECT head FROM fake_forge_branches WHERE repo = $1 AND branch = $2',
        [repo.repo, branch],
      );
      return res.rows[0]?.head;
    },
    async pushBranch(repo, opts) {
      const commit = await git(opts.dir, 'rev-parse', `refs/heads/${opts.branch}`);
      const res = await db.query(
        `INSERT INTO fake_forge_branches (repo, branch, head) VALUES ($1, $2, $3)
         ON CONFLICT (repo, branch) DO UPDATE SET head = EXCLUDED.head WHERE fake_forge_branches.head <> EXCLUDED.head`,
        [repo.repo, opts.branch, commit],
      );
      if ((res.rowCount ?? 0) > 0) {
        await effects.record(taskIdOf(opts.branch), 'forge.push', { branch: opts.branch, commit });
        await effects.pause();
      }
      return { commit };
    },
    async findPullRequest(repo, branch) {
      const res = await db.query<PullRow>(
        'SELECT number, repo, branch, base, draft, title FROM fake_forge_pulls WHERE repo = $1 AND branch = $2 ORDER BY number LIMIT 1',
        [repo.repo, branch],
      );
      return res.rows[0] ? toPr(res.rows[0]) : undefined;
    },
    async openPullRequest(repo, pr) {
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

/** Branches are `abca/<task id>/<slug>`; the fake files its effects under that task. */
function taskIdOf(branch: string): string {
  return (branch.split('/')[1] ?? branch).toUpperCase();
}
