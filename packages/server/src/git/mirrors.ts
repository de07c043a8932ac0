import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { INTAKE_LIMITS } from '../config/intake-limits.ts';
import { ForgeError, type GitRemote, type RepoRef } from '../ports/forge.ts';
import type { GitCli } from './git-cli.ts';

/** Resolves the remote of a repo per call (for example after minting a short-lived token). */
export type RemoteResolver = (repo: RepoRef) => Promise<GitRemote>;

/** Default cut of a file read from a mirror (instruction files, the repo's config file). */
const READ_MAX_BYTES = INTAKE_LIMITS.repoFileBytes;

/** The host's bare mirrors, one per repo, under `<cacheDir>/mirrors`. */
export interface Mirrors {
  /** The mirror's path, whether or not it exists yet. */
  pathOf(repo: RepoRef): string;
  /** Creates or refreshes the mirror (branches and tags, pruned); returns the default branch head. */
  sync(repo: RepoRef, opts?: { signal?: AbortSignal }): Promise<{ path: string; defaultBranchHead: string }>;
  /** The mirror's path, creating it first when missing (no refresh otherwise). */
  ensure(repo: RepoRef, opts?: { signal?: AbortSignal }): Promise<string>;
  /** Runs `fn` while no refresh of this repo's mirror runs (refreshes repack and prune). */
  withLock<T>(repo: RepoRef, fn: (path: string) => Promise<T>): Promise<T>;
  /**
   * Files of the default branch — or of `ref` (a commit or branch in the mirror) — each cut to
   * `maxBytes` (default 1 MiB); a path absent or not a file is not in the answer, and neither is
   * anything when `ref` is not in the mirror.
   */
  readFiles(
    repo: RepoRef,
    paths: string[],
    opts?: { maxBytes?: number; ref?: string },
  ): Promise<Map<string, { text: string; truncated: boolean }>>;
  /** Head of a branch on the remote (`ls-remote`), or undefined. */
  remoteHead(repo: RepoRef, branch: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
}

const HEADS = '+refs/heads/*:refs/heads/*';
const TAGS = '+refs/tags/*:refs/tags/*';

const STALE_LOCK_MS = 30 * 60_000;
/** How often a mirror's refresh also runs `git gc --auto` (per process). */
const GC_EVERY_MS = 5 * 60_000;

/**
 * Takes `<mirror>.lock` (created exclusively, holding the owner's pid) so that worker processes
 * sharing a cache folder do not refresh one mirror at once. A lock whose process is gone, or older
 * than half an hour, is taken over. Resolves to the release function.
 */
async function lockFile(lock: string, timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  await mkdir(dirname(lock), { recursive: true });
  const started = Date.now();
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(lock)) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new ForgeError('INTERNAL_ERROR', `the mirror lock ${lock} is held for too long`, true);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function isStale(lock: string): Promise<boolean> {
  try {
    const [pid, st] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    if (Date.now() - st.mtimeMs > STALE_LOCK_MS) return true;
    const n = Number(pid);
    if (!Number.isInteger(n) || n <= 0) return Date.now() - st.mtimeMs > 5_000;
    process.kill(n, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}

/**
 * Mirrors are created in a temporary sibling folder and renamed into place, so a crash never
 * leaves a half-made mirror at the final path. Refreshes fetch only `refs/heads/*` and
 * `refs/tags/*` (not GitHub's `refs/pull/*`, which `clone --mirror` would copy). An in-process
 * mutex per mirror keeps two tasks of this worker from refreshing one mirror at once, and a
 * lock file (`<mirror>.lock`) does the same across worker processes sharing the cache folder.
 */
export function createMirrors(deps: { git: GitCli; cacheDir: string; remote: RemoteResolver }): Mirrors {
  const { git, cacheDir } = deps;
  const locks = new Map<string, Promise<unknown>>();
  const lastGc = new Map<string, number>();

  function pathOf(repo: RepoRef): string {
    const where =
      repo.forge.kind === 'git' ? repo.forge.url : repo.forge.kind === 'github' ? repo.forge.owner_repo : '';
    const hash = createHash('sha256').update(`${repo.forge.kind}\0${where}`).digest('hex').slice(0, 12);
    const safe = repo.repo.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    return join(cacheDir, 'mirrors', `${safe}-${hash}.git`);
  }

  async function withLock<T>(repo: RepoRef, fn: (path: string) => Promise<T>): Promise<T> {
    const path = pathOf(repo);
    const prev = locks.get(path) ?? Promise.resolve();
    const run = prev
      .catch(() => {})
      .then(async () => {
        const release = await lockFile(`${path}.lock`);
        try {
          return await fn(path);
        } finally {
          await release();
        }
      });
    const tail = run.catch(() => {});
    locks.set(path, tail);
    try {
      return await run;
    } finally {
      if (locks.get(path) === tail) locks.delete(path);
    }
  }

  async function fetchInto(path: string, repo: RepoRef, signal?: AbortSignal): Promise<void> {
    const remote = await deps.remote(repo);
    // The pack is kept as it came (only indexed), never exploded into loose objects: a small
    // fetch (under git's default of 100 objects) would otherwise inflate every blob and compress it
    // again, a gigabyte for a repository whose history holds one. `gc --auto` merges the packs.
    await git.run(
      [
        '-c',
        'gc.auto=0',
        '-c',
        'fetch.unpackLimit=1',
        'fetch',
        '--quiet',
        '--prune',
        '--no-tags',
        remote.url,
        HEADS,
        TAGS,
      ],
      {
        cwd: path,
        op: 'fetch',
        ...(remote.credential ? { credential: remote.credential } : {}),
        ...(signal ? { signal } : {}),
      },
    );
  }

  async function create(path: string, repo: RepoRef, signal?: AbortSignal): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = await mkdtemp(`${path}.tmp-`);
    try {
      await git.run(['init', '--quiet', '--bare', tmp]);
      await fetchInto(tmp, repo, signal);
      await git.run(['symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`], { cwd: tmp });
      await rename(tmp, path);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async function head(path: string, repo: RepoRef): Promise<string> {
    const res = await git.tryRun(
      ['rev-parse', '--verify', '--quiet', `refs/heads/${repo.defaultBranch}^{commit}`],
      {
        cwd: path,
      },
    );
    if (res.code !== 0) {
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `the default branch '${repo.defaultBranch}' of ${repo.repo} does not exist on the remote`,
        false,
      );
    }
    return res.stdout.trim();
  }

  return {
    pathOf,
    withLock,
    async sync(repo, opts = {}) {
      return withLock(repo, async (path) => {
        if (existsSync(path)) {
          await fetchInto(path, repo, opts.signal);
          // Under the lock, so no workspace clone copies packs that a repack is replacing. At most
          // every few minutes per mirror: it rarely has work, and each task refreshes twice.
          if (Date.now() - (lastGc.get(path) ?? 0) > GC_EVERY_MS) {
            await git.run(['-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], { cwd: path });
            lastGc.set(path, Date.now());
          }
        } else await create(path, repo, opts.signal);
        return { path, defaultBranchHead: await head(path, repo) };
      });
    },
    async ensure(repo, opts = {}) {
      const path = pathOf(repo);
      if (existsSync(path)) return path;
      return (await this.sync(repo, opts)).path;
    },
    async readFiles(repo, files, opts = {}) {
      const out = new Map<string, { text: string; truncated: boolean }>();
      const clean = files
        .map((f) => f.replace(/^(\.\/|\/)+/, ''))
        .filter((f) => f && !f.split('/').includes('..') && !f.startsWith('-'));
      if (clean.length === 0) return out;
      const path = await this.ensure(repo);
      let tree = `refs/heads/${repo.defaultBranch}`;
      if (opts.ref !== undefined) {
        // A commit id or a branch name: never an option, never a range or a path of the host.
        if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,250}$/.test(opts.ref) || opts.ref.includes('..')) return out;
        const res = await git.tryRun(['rev-parse', '--verify', '--quiet', `${opts.ref}^{commit}`], {
          cwd: path,
        });
        if (res.code !== 0) return out;
        tree = res.stdout.trim();
      }
      // One listing for all of them; then one read per file that is there.
      const listed = await git.run(['ls-tree', '-z', tree, '--', ...clean], {
        cwd: path,
        maxOutputBytes: 64 * 1024,
      });
      const max = opts.maxBytes ?? READ_MAX_BYTES;
      for (const entry of listed.split('\0').filter(Boolean)) {
        const [meta = '', name = ''] = entry.split('\t');
        const [, type, oid] = meta.split(' ');
        if (type !== 'blob' || !oid || !clean.includes(name)) continue;
        // The repository is untrusted: a 2 GB README is read up to the cut, not whole.
        const res = await git.tryRun(['cat-file', 'blob', oid], {
          cwd: path,
          maxOutputBytes: max,
          truncate: true,
        });
        if (res.code === 0) out.set(name, { text: res.stdout, truncated: res.truncated });
      }
      return out;
    },
    async remoteHead(repo, branch, opts = {}) {
      const remote = await deps.remote(repo);
      const out = await git.run(['ls-remote', '--heads', remote.url, `refs/heads/${branch}`], {
        op: 'fetch',
        timeoutMs: 60_000,
        maxOutputBytes: 64 * 1024,
        ...(remote.credential ? { credential: remote.credential } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
      return line?.split('\t')[0];
    },
  };
}
