import { createHash } from 'node:crypto';
import { type Dirent, existsSync } from 'node:fs';
import { chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Forge, ForgeError, type RepoRef } from '../../ports/forge.ts';
import type { GitCli } from './git-cli.ts';
import type { Mirrors, RemoteResolver } from './mirror.ts';

/** The identity commits made in a workspace carry. */
export interface GitAuthor {
  name: string;
  email: string;
}

/** Workspace creation and pushing, shared by the git and GitHub forges. */
export interface Workspaces {
  create(repo: RepoRef, opts: { dir: string; branch: string }): Promise<{ baseCommit: string }>;
  push(repo: RepoRef, opts: { dir: string; branch: string }): Promise<{ commit: string }>;
  snapshot(
    repo: RepoRef,
    opts: { dir: string; branch: string; baseCommit: string },
  ): Promise<{ head: string; bundle: Buffer | null }>;
  restore(
    repo: RepoRef,
    opts: { dir: string; branch: string; baseCommit: string; bundle: Buffer | null },
  ): Promise<{ head: string }>;
}

/**
 * `origin` URL written into a new workspace: the remote as people know it, with no credentials and
 * no host path (the sandbox does not see the mirror).
 */
export type PublicUrl = (repo: RepoRef) => string;

interface WorkspaceRecord {
  dir: string;
  branch: string;
  baseCommit: string;
}

/**
 * Workspaces are full, independent clones of the mirror (`clone --local --no-hardlinks`): the
 * objects are copied, so the sandbox needs no path to the mirror and cannot write the mirror's
 * files through shared inodes. A host-side record (`<cacheDir>/workspaces/<hash>.json`), written
 * last, marks a clone as complete: a clone without one is a crashed attempt and is redone, and a
 * clone with one is never touched by git again (the agent may have run in it).
 *
 * Pushing never runs git with the workspace's config or hooks: a throwaway bare repository on the
 * host (borrowing the mirror's objects through alternates) fetches the branch out of the workspace
 * with `git upload-pack`, which git keeps safe for untrusted repositories, checks the received
 * objects (`fetch.fsckObjects`), and pushes from there with the credentials.
 */
/** Where the forge records that a workspace folder was made (outside it: the workspace is untrusted). */
export function workspaceRecordPath(cacheDir: string, dir: string): string {
  return join(cacheDir, 'workspaces', `${createHash('sha256').update(dir).digest('hex').slice(0, 24)}.json`);
}

export function createWorkspaces(deps: {
  git: GitCli;
  cacheDir: string;
  mirrors: Mirrors;
  remote: RemoteResolver;
  publicUrl: PublicUrl;
  author?: GitAuthor;
}): Workspaces {
  const { git, cacheDir, mirrors } = deps;
  const author = deps.author ?? { name: 'ABCA', email: 'abca@localhost' };
  const recordPath = (dir: string) => workspaceRecordPath(cacheDir, dir);

  async function readRecord(dir: string, branch: string): Promise<WorkspaceRecord | undefined> {
    try {
      const rec = JSON.parse(await readFile(recordPath(dir), 'utf8')) as WorkspaceRecord;
      return rec.dir === dir && rec.branch === branch && existsSync(join(dir, '.git')) ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  const workspaces: Workspaces = {
    async create(repo, { dir, branch }) {
      await checkBranchName(git, branch);
      const done = await readRecord(dir, branch);
      if (done) return { baseCommit: done.baseCommit };
      await mkdir(dir, { recursive: true });
      for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
      // A folder a sandbox had (handed to the sandbox user) comes back to the host's user, or
      // git refuses to work in it.
      if (process.getuid && process.getgid) await chown(dir, process.getuid(), process.getgid());
      await mirrors.ensure(repo);
      const baseCommit = await mirrors.withLock(repo, async (mirror) => {
        await git.run(['clone', '--quiet', '--local', '--no-hardlinks', '--no-checkout', mirror, dir]);
        // The reflog would record "clone: from <mirror path>"; the sandbox has no use for it.
        await rm(join(dir, '.git', 'logs'), { recursive: true, force: true });
        return (
          await git.run(['rev-parse', '--verify', `refs/remotes/origin/${repo.defaultBranch}^{commit}`], {
            cwd: dir,
          })
        ).trim();
      });
      const local = (key: string, value: string) => git.run(['config', '--local', key, value], { cwd: dir });
      await local('remote.origin.url', deps.publicUrl(repo));
      await local('user.name', author.name);
      await local('user.email', author.email);
      await git.run(['checkout', '--quiet', '-b', branch, baseCommit], { cwd: dir });
      await mkdir(join(cacheDir, 'workspaces'), { recursive: true });
      const record: WorkspaceRecord = { dir, branch, baseCommit };
      await writeFile(recordPath(dir), JSON.stringify(record));
      return { baseCommit };
    },

    async push(repo, { dir, branch }) {
      return readBranchOut(repo, dir, branch, async (tmp, commit) => {
        const remote = await deps.remote(repo);
        await git.run(['push', '--quiet', '--no-verify', remote.url, `${commit}:refs/heads/${branch}`], {
          cwd: tmp,
          op: 'push',
          ...(remote.credential ? { credential: remote.credential } : {}),
        });
        return { commit };
      });
    },

    async snapshot(repo, { dir, branch, baseCommit }) {
      return readBranchOut(repo, dir, branch, async (tmp, head) => {
        if (head === baseCommit) return { head, bundle: null };
        const file = join(tmp, 'snapshot.bundle');
        await git.run(['bundle', 'create', '--quiet', file, READ_REF, `^${baseCommit}`], { cwd: tmp });
        return { head, bundle: await readFile(file) };
      });
    },

    async restore(repo, { dir, branch, baseCommit, bundle }) {
      // Always a fresh clone, even over a half-restored one: a sandbox may have run in that one, so
      // the host must not run git in it again.
      await rm(recordPath(dir), { force: true });
      await workspaces.create(repo, { dir, branch });
      // The clone was just made from the mirror and nothing ran in it yet: git may work in it.
      if (!bundle) {
        await git.run(['reset', '--quiet', '--hard', `${baseCommit}^{commit}`], { cwd: dir });
      } else {
        await mkdir(join(cacheDir, 'push'), { recursive: true });
        const tmp = await mkdtemp(join(cacheDir, 'push', 'r-'));
        try {
          const file = join(tmp, 'snapshot.bundle');
          await writeFile(file, bundle);
          await git.run(['-c', 'fetch.fsckObjects=true', 'fetch', '--quiet', '--no-tags', file, READ_REF], {
            cwd: dir,
            op: 'local',
          });
          await git.run(['reset', '--quiet', '--hard', 'FETCH_HEAD'], { cwd: dir });
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      }
      return { head: (await git.run(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: dir })).trim() };
    },
  };

  /**
   * Fetches `branch` out of the untrusted workspace into a throwaway bare repository on the host
   * (objects borrowed from the mirror, received objects checked) and hands it to `use` with the
   * branch's commit under {@link READ_REF}. Git never runs with the workspace's config or hooks.
   */
  async function readBranchOut<T>(
    repo: RepoRef,
    dir: string,
    branch: string,
    use: (tmp: string, commit: string) => Promise<T>,
  ): Promise<T> {
    await checkBranchName(git, branch);
    await checkUntrustedRepo(dir);
    const mirror = await mirrors.ensure(repo);
    await mkdir(join(cacheDir, 'push'), { recursive: true });
    await sweep(join(cacheDir, 'push'));
    const tmp = await mkdtemp(join(cacheDir, 'push', 'p-'));
    try {
      await git.run(['init', '--quiet', '--bare', tmp]);
      await writeFile(join(tmp, 'objects', 'info', 'alternates'), `${join(mirror, 'objects')}\n`);
      const fetched = await git.tryRun(
        [
          '-c',
          'fetch.fsckObjects=true',
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--upload-pack',
          "git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false upload-pack",
          join(dir, '.git'),
          `+refs/heads/${branch}:${READ_REF}`,
        ],
        { cwd: tmp, op: 'local' },
      );
      if (fetched.code !== 0) {
        throw new ForgeError(
          'INTERNAL_ERROR',
          `could not read branch '${branch}' from the workspace: ${fetched.stderr.trim().split('\n').slice(-3).join(' ')}`,
          false,
        );
      }
      const commit = (await git.run(['rev-parse', '--verify', `${READ_REF}^{commit}`], { cwd: tmp })).trim();
      return await use(tmp, commit);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  return workspaces;
}

/** Where a branch read out of a workspace is kept in the host's throwaway repository. */
const READ_REF = 'refs/abca/push';

/** Removes scratch push repos left by a crashed worker (older than an hour). */
async function sweep(dir: string): Promise<void> {
  const cutoff = Date.now() - 60 * 60_000;
  for (const entry of await readdir(dir)) {
    const p = join(dir, entry);
    const st = await lstat(p).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(p, { recursive: true, force: true });
  }
}

/** The first symlink under `dir` (a pack linked to another repo's would be read and pushed). */
async function findSymlink(dir: string): Promise<string | undefined> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) return p;
    if (e.isDirectory()) {
      const found = await findSymlink(p);
      if (found) return found;
    }
  }
  return undefined;
}

async function checkBranchName(git: GitCli, branch: string): Promise<void> {
  const res = await git.tryRun(['check-ref-format', `refs/heads/${branch}`]);
  if (res.code !== 0 || branch.startsWith('-')) {
    throw new ForgeError('INTERNAL_ERROR', `invalid branch name '${branch}'`, false);
  }
}

/**
 * Refuses workspaces whose `.git` sends git elsewhere on the host: a `.git` file or symlink, a
 * symlinked object store or a symlink inside it, alternates or a common dir. Through those the agent could make the
 * host read (and push) objects of repositories the task has no business with.
 */
async function checkUntrustedRepo(dir: string): Promise<void> {
  const gitDir = join(dir, '.git');
  const isRealDir = async (p: string) => {
    try {
      const st = await lstat(p);
      return st.isDirectory() && !st.isSymbolicLink();
    } catch {
      return false;
    }
  };
  const problems: string[] = [];
  if (!(await isRealDir(gitDir))) problems.push('.git is not a directory');
  else {
    for (const sub of ['objects', 'refs'])
      if (!(await isRealDir(join(gitDir, sub)))) problems.push(`.git/${sub} is not a directory`);
    for (const f of ['objects/info/alternates', 'objects/info/http-alternates', 'commondir']) {
      if (existsSync(join(gitDir, f))) problems.push(`.git/${f} exists`);
    }
    const link = await findSymlink(join(gitDir, 'objects'));
    if (link) problems.push(`.git/objects holds a symlink (${link.slice(gitDir.length + 1)})`);
  }
  if (problems.length > 0) {
    throw new ForgeError(
      'PUSH_REJECTED',
      `the workspace's repository was tampered with: ${problems.join(', ')}`,
      false,
    );
  }
}

/** The forge methods every git-backed forge serves from its mirrors and workspaces alike. */
export type GitBackedMethods = Pick<
  Forge,
  | 'syncMirror'
  | 'createWorkspace'
  | 'readFile'
  | 'getBranchHead'
  | 'pushBranch'
  | 'snapshotWorkspace'
  | 'restoreWorkspace'
>;

export function gitBackedMethods(mirrors: Mirrors, workspaces: Workspaces): GitBackedMethods {
  return {
    syncMirror: (repo) => mirrors.sync(repo),
    createWorkspace: (repo, opts) => workspaces.create(repo, opts),
    readFile: (repo, path) => mirrors.readFile(repo, path),
    getBranchHead: (repo, branch) => mirrors.remoteHead(repo, branch),
    pushBranch: (repo, opts) => workspaces.push(repo, opts),
    snapshotWorkspace: (repo, opts) => workspaces.snapshot(repo, opts),
    restoreWorkspace: (repo, opts) => workspaces.restore(repo, opts),
  };
}
