import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalBackend, type Sandbox } from '@abca/sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import type { EnvCache, EnvKey, StagedSave } from '../ports/env-cache.ts';
import { cpEntries, NoSpaceError } from './copy.ts';
import { createDiskEnvCache, type DiskEnvCache, type DiskEnvCacheDeps } from './disk-env-cache.ts';

/**
 * The environment cache on a real disk, with real git and the `local` sandbox backend (commands run
 * on the host, in the workspace): keys, fill, serve, corruption, eviction, locks and a full disk.
 */
const base = mkdtempSync(join(tmpdir(), 'abca-env-cache-'));
const backend = createLocalBackend({ log: () => {} });
const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const s of sandboxes) await s.stop();
  rmSync(base, { recursive: true, force: true });
});

let n = 0;
const BASELINE = [
  { name: 'test', command: 'npm test', exitCode: 0, ok: true, durationMs: 12, outputTail: 'ok' },
];

/** A fresh workspace: a git repo with a lockfile and `node_modules` ignored, and its sandbox. */
async function workspace(lock = '{"lockfileVersion":3}\n') {
  n += 1;
  const dir = join(base, `ws-${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"app"}\n');
  writeFileSync(join(dir, 'package-lock.json'), lock);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.cache/\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const sandbox = await backend.create({ taskId: `t${n}`, workspaceDir: dir });
  sandboxes.push(sandbox);
  return {
    dir,
    sandbox,
    head: execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
  };
}

/** What a setup like `npm ci` leaves: dependencies, a symlink among them, a build cache. */
function setup(dir: string, version = 'v1') {
  mkdirSync(join(dir, 'node_modules/x/bin'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/x/index.js'), `module.exports = '${version}';\n`);
  writeFileSync(join(dir, 'node_modules/x/bin/x'), '#!/bin/sh\necho x\n', { mode: 0o755 });
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../x/bin/x', join(dir, 'node_modules/.bin/x'));
  mkdirSync(join(dir, '.cache'), { recursive: true });
  writeFileSync(join(dir, '.cache/build'), 'cached\n');
}

function cacheOf(name: string, more: Partial<DiskEnvCacheDeps> = {}): DiskEnvCache {
  return createDiskEnvCache({
    root: join(base, name),
    enabled: true,
    maxBytes: 1e9,
    sandboxIdentity: async (kind) => `${kind}:test`,
    ...more,
  });
}

const keyOf = (cache: EnvCache, dir: string, extra: string[] = []) =>
  cache.keyOf({
    repo: 'acme/app',
    setupCommand: 'npm ci',
    sandboxKind: 'local',
    workspaceDir: dir,
    extraKeyFiles: extra,
  });

async function fill(cache: EnvCache, ws: { dir: string; sandbox: Sandbox; head: string }, key?: EnvKey) {
  const k = key ?? (await keyOf(cache, ws.dir));
  setup(ws.dir);
  const staged = await cache.stage(k, { sandbox: ws.sandbox, workspaceDir: ws.dir, baseCommit: ws.head });
  if (!('commit' in staged)) throw new Error(`not staged: ${JSON.stringify(staged)}`);
  const saved = await staged.commit(BASELINE);
  expect(saved).toMatchObject({ saved: true });
  return k;
}

describe('the key', () => {
  it('is the same for the same files, and changes (in the same family) with a lockfile', async () => {
    const cache = cacheOf('key');
    const a = await workspace();
    const b = await workspace();
    const c = await workspace('{"lockfileVersion":3,"packages":{"x":"2"}}\n');
    const [ka, kb, kc] = [await keyOf(cache, a.dir), await keyOf(cache, b.dir), await keyOf(cache, c.dir)];
    expect(ka.key).toBe(kb.key);
    expect(kc.key).not.toBe(ka.key);
    expect(kc.family).toBe(ka.family);
    expect(ka.keyFiles.map((f) => f.path)).toEqual(['package-lock.json', 'package.json']);
    // Another setup command or sandbox is another family.
    const other = await cache.keyOf({
      repo: 'acme/app',
      setupCommand: 'npm install',
      sandboxKind: 'local',
      workspaceDir: a.dir,
    });
    expect(other.family).not.toBe(ka.family);
  });

  it('reads requirements*.txt and the repo key files, and never follows a symlink out of the workspace', async () => {
    const cache = cacheOf('key2');
    const ws = await workspace();
    writeFileSync(join(ws.dir, 'requirements-dev.txt'), 'pytest\n');
    mkdirSync(join(ws.dir, 'web'));
    writeFileSync(join(ws.dir, 'web/yarn.lock'), 'x\n');
    symlinkSync('/etc/hostname', join(ws.dir, 'poetry.lock'));
    symlinkSync('/etc', join(ws.dir, 'etc'));
    const k = await keyOf(cache, ws.dir, ['web/yarn.lock', 'etc/hostname']);
    const files = Object.fromEntries(k.keyFiles.map((f) => [f.path, f.sha256]));
    expect(files['requirements-dev.txt']).toMatch(/^[0-9a-f]{64}$/);
    expect(files['web/yarn.lock']).toMatch(/^[0-9a-f]{64}$/);
    // Keyed as what they are, not by the content they point at.
    expect(files['poetry.lock']).toBe('!symlink');
    expect(files['etc/hostname']).toBe('!symlinked-folder');
  });
});

describe('fill and serve', () => {
  it('misses, fills after a clean setup, then serves a copy the next task cannot change the cache through', async () => {
    const cache = cacheOf('serve');
    const first = await workspace();
    const k = await keyOf(cache, first.dir);
    expect(await cache.serve(k, first.dir)).toEqual({ hit: false, reason: 'no_snapshot' });
    await fill(cache, first, k);

    const second = await workspace();
    const k2 = await keyOf(cache, second.dir);
    expect(k2.key).toBe(k.key);
    const served = await cache.serve(k2, second.dir);
    expect(served).toMatchObject({
      hit: true,
      baseline: BASELINE,
      entry: { base_commit: first.head, hits: 1 },
    });
    expect(readFileSync(join(second.dir, 'node_modules/x/index.js'), 'utf8')).toContain('v1');
    expect(readFileSync(join(second.dir, '.cache/build'), 'utf8')).toBe('cached\n');
    expect(statSync(join(second.dir, 'node_modules/x/bin/x')).mode & 0o777).toBe(0o755);
    expect(
      execFileSync('readlink', [join(second.dir, 'node_modules/.bin/x')], { encoding: 'utf8' }).trim(),
    ).toBe('../x/bin/x');
    // A copy, not a link: the served file is its own inode.
    const cached = join(base, 'serve', k.key, 'files/node_modules/x/index.js');
    expect(statSync(join(second.dir, 'node_modules/x/index.js')).ino).not.toBe(statSync(cached).ino);
    expect(statSync(cached).nlink).toBe(1);

    // The task changes its dependencies; the next task still gets the snapshot as it was saved.
    writeFileSync(join(second.dir, 'node_modules/x/index.js'), "module.exports = 'hacked';\n");
    rmSync(join(second.dir, '.cache'), { recursive: true });
    const third = await workspace();
    expect(await cache.serve(await keyOf(cache, third.dir), third.dir)).toMatchObject({
      hit: true,
      entry: { hits: 2 },
    });
    expect(readFileSync(join(third.dir, 'node_modules/x/index.js'), 'utf8')).toContain('v1');
    expect(existsSync(join(third.dir, '.cache/build'))).toBe(true);

    // Survives a restart: another instance on the same folder lists and serves it.
    const again = cacheOf('serve');
    const listed = await again.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      key: k.key,
      repo: 'acme/app',
      setup_command: 'npm ci',
      hits: 2,
      files: 4,
    });
    const fourth = await workspace();
    expect((await again.serve(await keyOf(again, fourth.dir), fourth.dir)).hit).toBe(true);
  });

  it('moves a spare made in the background into the next workspace: no copy on the task path, and still a copy of its own', async () => {
    let copies = 0;
    const cache = cacheOf('spare', {
      copy: async (from, entries, to) => {
        copies += 1;
        await cpEntries(from, entries, to);
      },
    });
    const k = await fill(cache, await workspace());
    await cache.idle();
    // The fill's copy out of the workspace, and the spare's.
    expect(copies).toBe(2);
    const spare = join(base, 'spare', k.key, 'spare');
    expect(existsSync(spare)).toBe(true);

    const spareInode = statSync(join(spare, 'node_modules/x/index.js')).ino;
    const ws = await workspace();
    const served = await cache.serve(await keyOf(cache, ws.dir), ws.dir);
    expect(served).toMatchObject({ hit: true, entry: { hits: 1 } });
    // Served by moving the spare (the very file), not by a copy on the task's path.
    expect(statSync(join(ws.dir, 'node_modules/x/index.js')).ino).toBe(spareInode);
    expect(readFileSync(join(ws.dir, 'node_modules/x/index.js'), 'utf8')).toContain('v1');
    expect(readdirSync(join(ws.dir, '..')).filter((f) => f.includes('.env-spare-'))).toEqual([]);
    // The next spare is made off the path; it and the workspace's files are separate inodes.
    await cache.idle();
    expect(copies).toBe(3);
    const next = join(spare, 'node_modules/x/index.js');
    expect(statSync(join(ws.dir, 'node_modules/x/index.js')).ino).not.toBe(statSync(next).ino);
    writeFileSync(join(ws.dir, 'node_modules/x/index.js'), "module.exports = 'hacked';\n");
    const after = await workspace();
    expect((await cache.serve(await keyOf(cache, after.dir), after.dir)).hit).toBe(true);
    expect(readFileSync(join(after.dir, 'node_modules/x/index.js'), 'utf8')).toContain('v1');

    // Two hits at once: one moves the spare, the other copies; both get the whole snapshot.
    await cache.idle();
    const [a, b] = [await workspace(), await workspace()];
    const both = await Promise.all([a, b].map(async (w) => cache.serve(await keyOf(cache, w.dir), w.dir)));
    for (const [i, w] of [a, b].entries()) {
      expect(both[i]?.hit).toBe(true);
      expect(readFileSync(join(w.dir, 'node_modules/x/index.js'), 'utf8')).toContain('v1');
      expect(readFileSync(join(w.dir, '.cache/build'), 'utf8')).toBe('cached\n');
    }
    await cache.idle();
    // A clear removes the spare with its snapshot.
    expect(await cache.clear()).toMatchObject({ removed: 1 });
    expect(existsSync(join(base, 'spare', k.key))).toBe(false);
  });

  it("sweeps a half-made spare left by a process that died, and keeps a live process's", async () => {
    const first = cacheOf('spare-sweep');
    const k = await fill(first, await workspace());
    await first.idle();
    // A dead process's half-made spare (pid 2^22 + 1 is above Linux's pid_max), and a live one's.
    const dead = join(base, 'spare-sweep', k.key, '.spare-tmp-4194305-abc');
    const live = join(base, 'spare-sweep', k.key, `.spare-tmp-${process.pid}-def`);
    for (const d of [dead, live]) {
      mkdirSync(join(d, 'node_modules'), { recursive: true });
      writeFileSync(join(d, 'node_modules/half'), 'x');
    }
    // The next process's first use sweeps.
    const next = cacheOf('spare-sweep');
    await next.list();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live, { recursive: true, force: true });
  });

  it('says the key changed when a lockfile differs from the snapshot of the same repo and command', async () => {
    const cache = cacheOf('changed');
    await fill(cache, await workspace());
    const ws = await workspace('{"lockfileVersion":3,"changed":true}\n');
    expect(await cache.serve(await keyOf(cache, ws.dir), ws.dir)).toEqual({
      hit: false,
      reason: 'key_changed',
    });
    expect(existsSync(join(ws.dir, 'node_modules'))).toBe(false);
  });

  it('does not fill when setup changed tracked files or a key file, or left a FIFO', async () => {
    const cache = cacheOf('skips');
    const a = await workspace();
    const ka = await keyOf(cache, a.dir);
    setup(a.dir);
    writeFileSync(join(a.dir, 'package.json'), '{"name":"app","changed":1}\n');
    expect(
      await cache.stage(ka, { sandbox: a.sandbox, workspaceDir: a.dir, baseCommit: a.head }),
    ).toMatchObject({
      saved: false,
      skipped: 'tracked_files_changed',
      detail: 'package.json',
    });
    const b = await workspace();
    const kb = await keyOf(cache, b.dir);
    setup(b.dir);
    // An untracked key file appearing during setup changes the key.
    writeFileSync(join(b.dir, 'yarn.lock'), 'new\n');
    expect(
      await cache.stage(kb, { sandbox: b.sandbox, workspaceDir: b.dir, baseCommit: b.head }),
    ).toMatchObject({
      skipped: 'key_files_changed',
      detail: 'yarn.lock',
    });
    const c = await workspace();
    const kc = await keyOf(cache, c.dir);
    setup(c.dir);
    execFileSync('mkfifo', [join(c.dir, 'node_modules/x/pipe')]);
    expect(
      await cache.stage(kc, { sandbox: c.sandbox, workspaceDir: c.dir, baseCommit: c.head }),
    ).toMatchObject({
      skipped: 'unsupported_file',
    });
    expect(await cache.list()).toEqual([]);
    expect(readdirSync(join(base, 'skips')).filter((f) => !f.startsWith('.lock'))).toEqual([]);
    expect(readdirSync(join(base, 'skips'))).toEqual([]);
  });

  it('lets one of two tasks filling one key save it; the other skips without waiting', async () => {
    const cache = cacheOf('race');
    const a = await workspace();
    const b = await workspace();
    const [ka, kb] = [await keyOf(cache, a.dir), await keyOf(cache, b.dir)];
    setup(a.dir);
    setup(b.dir);
    const [sa, sb] = await Promise.all([
      cache.stage(ka, { sandbox: a.sandbox, workspaceDir: a.dir, baseCommit: a.head }),
      cache.stage(kb, { sandbox: b.sandbox, workspaceDir: b.dir, baseCommit: b.head }),
    ]);
    const winner = [sa, sb].filter((s): s is StagedSave => 'commit' in s);
    expect(winner).toHaveLength(1);
    expect([sa, sb].find((s) => !('commit' in s))).toMatchObject({ skipped: 'fill_in_progress' });
    expect(await winner[0]?.commit(BASELINE)).toMatchObject({ saved: true });
    expect(
      await cache.stage(kb, { sandbox: b.sandbox, workspaceDir: b.dir, baseCommit: b.head }),
    ).toMatchObject({
      skipped: 'already_cached',
    });
    expect(await cache.list()).toHaveLength(1);
  });
});

describe('a damaged or removed cache', () => {
  it('is a miss that leaves the workspace clean: bad manifest, missing file, removed folder', async () => {
    const cache = cacheOf('damage');
    const k = await fill(cache, await workspace());
    const dir = join(base, 'damage', k.key);
    await cache.idle();

    // A file missing from the spare (the next hit moves it), then from the snapshot (a copy).
    for (const damaged of ['spare', 'files']) {
      rmSync(join(dir, damaged, 'node_modules/x/index.js'));
      const ws1 = await workspace();
      const r1 = await cache.serve(await keyOf(cache, ws1.dir), ws1.dir);
      expect(r1, damaged).toMatchObject({ hit: false, reason: 'corrupted' });
      expect(existsSync(join(ws1.dir, 'node_modules'))).toBe(false);
      expect(existsSync(join(ws1.dir, '.cache'))).toBe(false);
      expect(existsSync(join(dir, 'spare'))).toBe(false);
    }

    writeFileSync(join(dir, 'manifest.json'), '{"version":1,');
    const ws2 = await workspace();
    expect(await cache.serve(await keyOf(cache, ws2.dir), ws2.dir)).toMatchObject({
      hit: false,
      reason: 'corrupted',
    });
    expect(await cache.list()).toEqual([]);

    // The whole cache folder removed under the running platform: a miss, and the next fill works.
    rmSync(join(base, 'damage'), { recursive: true, force: true });
    const ws3 = await workspace();
    expect(await cache.serve(await keyOf(cache, ws3.dir), ws3.dir)).toEqual({
      hit: false,
      reason: 'no_snapshot',
    });
    await fill(cache, ws3);
    expect(await cache.list()).toHaveLength(1);
  });

  it('does not serve into a workspace that already holds one of its paths', async () => {
    const cache = cacheOf('conflict');
    await fill(cache, await workspace());
    const ws = await workspace();
    mkdirSync(join(ws.dir, 'node_modules/mine'), { recursive: true });
    expect(await cache.serve(await keyOf(cache, ws.dir), ws.dir)).toMatchObject({
      hit: false,
      reason: 'workspace_conflict',
    });
    expect(readdirSync(join(ws.dir, 'node_modules'))).toEqual(['mine']);
  });
});

describe('bounded', () => {
  it('evicts the least recently used snapshot over the cap, and refuses one larger than the cap', async () => {
    // Each snapshot holds 48 bytes: a cap of 100 holds two.
    const cache = cacheOf('lru', { maxBytes: 100 });
    const repos = ['a', 'b', 'c'];
    const keys: EnvKey[] = [];
    for (const repo of repos) {
      const ws = await workspace();
      const k = await cache.keyOf({
        repo,
        setupCommand: 'npm ci',
        sandboxKind: 'local',
        workspaceDir: ws.dir,
      });
      keys.push(await fill(cache, ws, k));
      if (repo === 'b') {
        // a is used after b: b is now the least recently used.
        const use = await workspace();
        const ka = await cache.keyOf({
          repo: 'a',
          setupCommand: 'npm ci',
          sandboxKind: 'local',
          workspaceDir: use.dir,
        });
        expect((await cache.serve(ka, use.dir)).hit).toBe(true);
      }
    }
    expect((await cache.list()).map((e) => e.repo).sort()).toEqual(['a', 'c']);

    const small = cacheOf('tiny', { maxBytes: 10 });
    const ws = await workspace();
    const k = await keyOf(small, ws.dir);
    setup(ws.dir);
    expect(
      await small.stage(k, { sandbox: ws.sandbox, workspaceDir: ws.dir, baseCommit: ws.head }),
    ).toMatchObject({
      skipped: 'too_large',
    });
  });

  it('clears the snapshots of one repo, or all', async () => {
    const cache = cacheOf('clear');
    for (const repo of ['a', 'b']) {
      const ws = await workspace();
      await fill(
        cache,
        ws,
        await cache.keyOf({ repo, setupCommand: 'npm ci', sandboxKind: 'local', workspaceDir: ws.dir }),
      );
    }
    const one = await cache.clear({ repo: 'a' });
    expect(one.removed).toBe(1);
    expect(one.bytes).toBeGreaterThan(0);
    expect((await cache.list()).map((e) => e.repo)).toEqual(['b']);
    expect(await cache.clear()).toMatchObject({ removed: 1 });
    expect(readdirSync(join(base, 'clear'))).toEqual([]);
  });
});

describe('a full disk while saving', () => {
  it('fails cleanly when the copy fails: nothing partial kept, the lock released', async () => {
    const cache = cacheOf('nospace', {
      copy: async (_from, _entries, to) => {
        writeFileSync(join(to, 'partial'), 'x');
        throw new NoSpaceError('cp: No space left on device');
      },
    });
    const ws = await workspace();
    const k = await keyOf(cache, ws.dir);
    setup(ws.dir);
    expect(
      await cache.stage(k, { sandbox: ws.sandbox, workspaceDir: ws.dir, baseCommit: ws.head }),
    ).toMatchObject({
      saved: false,
      failed: 'no_space',
    });
    expect(readdirSync(join(base, 'nospace'))).toEqual([]);
    expect(await cache.serve(k, ws.dir)).toMatchObject({ hit: false });
  });

  it('fails cleanly on a real ENOSPC (a 1 MiB tmpfs as the cache folder)', async (ctx) => {
    const root = join(base, 'tmpfs');
    mkdirSync(root);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root], { stdio: 'ignore' });
    } catch {
      ctx.skip('mounting a tmpfs needs root (CI runs as root)');
      return;
    }
    try {
      const cache = createDiskEnvCache({
        root,
        enabled: true,
        maxBytes: 1e9,
        sandboxIdentity: async () => 'local:test',
      });
      const ws = await workspace();
      const k = await keyOf(cache, ws.dir);
      setup(ws.dir);
      writeFileSync(join(ws.dir, 'node_modules/x/big.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
      const r = await cache.stage(k, { sandbox: ws.sandbox, workspaceDir: ws.dir, baseCommit: ws.head });
      expect(r).toMatchObject({ saved: false, failed: 'no_space' });
      expect(readdirSync(root)).toEqual([]);
      expect(await cache.list()).toEqual([]);
    } finally {
      execFileSync('umount', [root]);
    }
  });
});
