import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaces } from '../src/adapters/workspaces/workspaces.ts';
import { createGitCli, type GitCli } from '../src/git/git-cli.ts';
import { createMirrors, type Mirrors } from '../src/git/mirrors.ts';
import { createHostProcesses } from '../src/ops/host-processes.ts';
import { createFolderSpreader, spreadFolder } from '../src/ops/spread-folder.ts';
import type { RepoRef } from '../src/ports/forge.ts';
import type { WorkspaceLimits } from '../src/ports/workspaces.ts';

/**
 * How the Workspaces port makes a fresh folder: the workspaces folder marked to spread on disk,
 * and the tree sized in the mirror while the clone copies — sized again when the branch moved
 * under it, and the clone stopped when the tree is refused.
 */
const root = mkdtempSync(join(tmpdir(), 'abca-ws-prepare-'));
const processes = createHostProcesses();
const LIMITS: WorkspaceLimits = {
  maxFiles: 5,
  maxCheckoutBytes: 10 * 1024 * 1024,
  maxCaptureBytes: 1024 * 1024,
  maxFileBytes: 1024 * 1024,
};
const sh = (cwd: string, args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** Small: 2 files; big: 10 files (over LIMITS.maxFiles). */
let remote: string;
let small: string;
let big: string;
let n = 0;

beforeAll(() => {
  const seed = join(root, 'seed');
  mkdirSync(seed);
  sh(seed, ['init', '-q', '-b', 'main']);
  writeFileSync(join(seed, 'a.txt'), 'a\n');
  writeFileSync(join(seed, 'b.txt'), 'b\n');
  sh(seed, ['add', '-A']);
  sh(seed, ['commit', '-q', '-m', 'small']);
  small = sh(seed, ['rev-parse', 'HEAD']);
  for (let i = 0; i < 8; i++) writeFileSync(join(seed, `f${i}.txt`), `${i}\n`);
  sh(seed, ['add', '-A']);
  sh(seed, ['commit', '-q', '-m', 'big']);
  big = sh(seed, ['rev-parse', 'HEAD']);
  sh(seed, ['branch', 'big-head', big]);
  sh(seed, ['reset', '-q', '--hard', small]);
  remote = join(root, 'remote.git');
  sh(root, ['clone', '-q', '--bare', seed, remote]);
});
afterAll(() => {
  processes.stopAll();
  rmSync(root, { recursive: true, force: true });
});

/** Workspaces over a fresh cache, with a hook around the mirror's clone and a log of git calls. */
function setup(
  opts: {
    beforeClone?: (mirror: string, signal: AbortSignal | undefined) => Promise<void>;
    /** Runs before each `ls-tree` (the tree sizing). */
    beforeSizing?: (cwd: string) => Promise<void>;
    onSpreadSkipped?: (fields: { dir: string; reason: string }) => void;
  } = {},
) {
  const cacheDir = join(root, `cache-${n++}`);
  const realGit = createGitCli({ processes });
  const calls: { args: string[]; cwd: string | undefined }[] = [];
  const git: GitCli = {
    async run(args, o) {
      calls.push({ args, cwd: o?.cwd });
      return realGit.run(args, o);
    },
    async tryRun(args, o) {
      calls.push({ args, cwd: o?.cwd });
      if (args[0] === 'ls-tree') await opts.beforeSizing?.(o?.cwd ?? '');
      return realGit.tryRun(args, o);
    },
    script: (text, args, o) => realGit.script(text, args, o),
  };
  const repoRef: RepoRef = { repo: 'local/app', defaultBranch: 'main', forge: { kind: 'git', url: remote } };
  const real = createMirrors({
    git: realGit,
    cacheDir,
    remote: async () => ({ url: remote, publicUrl: remote }),
  });
  const mirrors: Mirrors = {
    ...real,
    ensure: (r, o) => real.ensure(r, o),
    async cloneTo(r, dest, o) {
      await opts.beforeClone?.(real.pathOf(r), o?.signal);
      return real.cloneTo(r, dest, o);
    },
  };
  const workspaces = createWorkspaces({
    git,
    processes,
    cacheDir,
    mirrors,
    remote: async () => ({ url: remote, publicUrl: remote }),
    ...(opts.onSpreadSkipped ? { onSpreadSkipped: opts.onSpreadSkipped } : {}),
  });
  const workRoot = join(root, `work-${n++}`);
  return { workspaces, repoRef, calls, workRoot, mirrorOf: () => real.pathOf(repoRef) };
}

/** Sets the mirror's default branch to `to` (its objects fetched from the remote's `big-head` first). */
const moveBranch = (mirror: string, to: string) => {
  sh(mirror, ['fetch', '-q', remote, '+refs/heads/big-head:refs/heads/big-head']);
  sh(mirror, ['update-ref', 'refs/heads/main', to]);
};
const treeListings = (calls: { args: string[]; cwd: string | undefined }[]) =>
  calls.filter((c) => c.args[0] === 'ls-tree');

describe('preparing a workspace', () => {
  it('sizes the tree in the mirror while the clone copies: one listing, none in the clone', async () => {
    const { workspaces, repoRef, calls, workRoot, mirrorOf } = setup();
    const made = await workspaces.prepare(repoRef, {
      dir: join(workRoot, 'ws'),
      branch: 'abca/t1',
      limits: LIMITS,
    });
    expect(made.baseCommit).toBe(small);
    const listings = treeListings(calls);
    expect(listings).toHaveLength(1);
    expect(listings[0]?.cwd).toBe(mirrorOf());
    expect(listings[0]?.args).toContain(small);
  });

  it('sizes the clone again when the branch moved under the clone, and refuses a tree over the limits', async () => {
    const { workspaces, repoRef, calls, workRoot } = setup({
      // The mirror's branch moves after it was read and sized, before the clone copies it.
      beforeClone: async (mirror) => moveBranch(mirror, big),
    });
    const dir = join(workRoot, 'ws');
    await expect(
      workspaces.prepare(repoRef, { dir, branch: 'abca/t2', limits: LIMITS }),
    ).rejects.toMatchObject({
      name: 'WorkspaceError',
      code: 'REPO_TOO_LARGE',
    });
    const listings = treeListings(calls);
    expect(listings).toHaveLength(2);
    expect(listings[1]?.args).toContain(big);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(workRoot).filter((e) => e.includes('.new-'))).toEqual([]);
  });

  it('prepares a branch that moved from a tree over the limits to one within them during the clone', async () => {
    let moved!: () => void;
    const hasMoved = new Promise<void>((r) => {
      moved = r;
    });
    let mirrorPath = '';
    const { workspaces, repoRef, workRoot, mirrorOf } = setup({
      beforeClone: async (mirror) => {
        mirrorPath = mirror;
        moveBranch(mirror, small);
        moved();
      },
      // The mirror's (big) tree is refused only once the branch moved on to a small one.
      beforeSizing: async (cwd) => {
        if (cwd === mirrorPath || cwd === mirrorOf()) await hasMoved;
      },
    });
    // The mirror is made first, then its branch set to the big commit.
    await workspaces.syncMirror(repoRef);
    moveBranch(mirrorOf(), big);
    const made = await workspaces.prepare(repoRef, {
      dir: join(workRoot, 'ws'),
      branch: 'abca/t3',
      limits: LIMITS,
    });
    expect(made.baseCommit).toBe(small);
  });

  it('stops the clone when the tree is refused', async () => {
    let cloneAborted = false;
    const { workspaces, repoRef, workRoot, mirrorOf } = setup({
      // A slow clone: it waits for its stop (at most 20 s, then copies).
      beforeClone: async (_mirror, signal) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20_000);
          signal?.addEventListener('abort', () => {
            cloneAborted = true;
            clearTimeout(timer);
            resolve();
          });
        });
      },
    });
    await workspaces.syncMirror(repoRef);
    moveBranch(mirrorOf(), big);
    const dir = join(workRoot, 'ws');
    await expect(
      workspaces.prepare(repoRef, { dir, branch: 'abca/t4', limits: LIMITS }),
    ).rejects.toMatchObject({
      code: 'REPO_TOO_LARGE',
    });
    expect(cloneAborted).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});

/** Whether this test folder's file system takes `chattr +T` at all (ext2/3/4 do; tmpfs does not). */
function topdirSupported(dir: string): boolean {
  const probe = mkdtempSync(join(dir, 'probe-'));
  const res = spawnSync('chattr', ['+T', probe]);
  rmSync(probe, { recursive: true, force: true });
  return res.status === 0;
}
const hasTopdir = (dir: string) =>
  /^\S*T\S*\s/.test(execFileSync('lsattr', ['-d', dir], { encoding: 'utf8' }));

describe('the workspaces folder spread on disk', () => {
  it('is marked top-of-hierarchy at the first prepare where the file system allows it, else the log is told', async () => {
    const skipped: { dir: string; reason: string }[] = [];
    const { workspaces, repoRef, workRoot } = setup({ onSpreadSkipped: (f) => skipped.push(f) });
    await workspaces.prepare(repoRef, { dir: join(workRoot, 'ws-a'), branch: 'abca/s1', limits: LIMITS });
    await workspaces.prepare(repoRef, { dir: join(workRoot, 'ws-b'), branch: 'abca/s2', limits: LIMITS });
    if (topdirSupported(root)) {
      expect(hasTopdir(workRoot)).toBe(true);
      expect(skipped).toEqual([]);
    } else {
      expect(skipped).toHaveLength(1);
      expect(skipped[0]?.dir).toBe(workRoot);
    }
  });

  it('tells the log once, and fails nothing, when the folder cannot be marked', async () => {
    const told: { dir: string; reason: string }[] = [];
    const spread = createFolderSpreader(processes, (f) => told.push(f));
    const missing = join(root, 'no-such-folder');
    expect(await spread(missing)).toBe(false);
    expect(await spread(missing)).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]?.reason).toMatch(/no-such-folder|No such file/);
    expect(await spreadFolder(processes, missing)).toBeDefined();
  });
});
