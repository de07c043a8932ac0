import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EnvCacheEntry } from '@abca/contracts';
import type { Logger } from '../ops/logger.ts';
import type {
  EnvCache,
  EnvSaveResult,
  EnvServeResult,
  RecordedCheck,
  StagedSave,
} from '../ports/env-cache.ts';
import { type CopyEntries, cpEntries, NoSpaceError } from './copy.ts';
import { listUntracked, measure, parentsAreFolders, safeEntry } from './entries.ts';
import { tryFillLock } from './fill-lock.ts';
import { computeEnvKey } from './key.ts';
import { EnvManifest, EnvUsage } from './manifest.ts';
import { hostSandboxIdentity } from './sandbox-identity.ts';

export interface DiskEnvCacheDeps {
  /** The cache's folder (`ABCA_HOME/cache/env`), made on first use. */
  root: string;
  /** `ABCA_ENV_CACHE`. */
  enabled: boolean;
  /** `ABCA_ENV_CACHE_MAX_BYTES`: the cap; least recently used snapshots go first. */
  maxBytes: number;
  /** Most files one snapshot holds. Default 1,000,000. */
  maxFiles?: number;
  /** The sandbox's identity in the key. Default: the host's OS release and toolchains ({@link hostSandboxIdentity}). */
  sandboxIdentity?: (kind: string) => Promise<string>;
  /** How files are copied (tests inject failures). Default `cp -a --reflink=auto`. */
  copy?: CopyEntries;
  now?: () => Date;
  log?: Logger;
}

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The environment cache on this host's disk (docs/env-cache.md). One folder per key holding
 * `files/` (what setup produced, at its workspace paths), `manifest.json` (written last: a folder
 * without a valid one is never served) and `usage.json` (hits and last use). A snapshot is made in a
 * `.tmp-*` folder and renamed into place; a removed one is renamed to `.trash-*` first, so neither
 * is ever seen half made or half gone.
 */
/** The disk cache, and a way to wait for its background work (spares being made). */
export type DiskEnvCache = EnvCache & { idle(): Promise<void> };

export function createDiskEnvCache(deps: DiskEnvCacheDeps): DiskEnvCache {
  const { root } = deps;
  const maxFiles = deps.maxFiles ?? 1_000_000;
  const copy = deps.copy ?? cpEntries;
  const now = deps.now ?? (() => new Date());
  const identity = deps.sandboxIdentity ?? hostSandboxIdentity;
  const dirOf = (key: string) => join(root, key);
  /** Serves copying out of each key's folder: a removal waits for them before deleting the files. */
  const reading = new Map<string, Set<Promise<unknown>>>();
  let swept: Promise<void> | undefined;
  /** Spares being made in the background. */
  const background = new Set<Promise<void>>();
  const rand = () => Math.random().toString(36).slice(2);

  /** A read of a key's files that a removal must wait for. */
  function track<T>(key: string, work: Promise<T>): Promise<T> {
    const set = reading.get(key) ?? new Set();
    reading.set(key, set.add(work));
    const done = () => {
      set.delete(work);
      if (!set.size && reading.get(key) === set) reading.delete(key);
    };
    work.then(done, done);
    return work;
  }

  /**
   * Makes the key's spare in the background: a copy of its files, beside them (`spare/`), that the
   * next hit moves into its workspace instead of copying then (a copy costs about 0.8 ms of kernel
   * time a file on a VM disk; a move is one rename per entry). The spare is made from the snapshot's
   * own files by the host, in the cache's folder no sandbox sees, so it is what a copy would be.
   */
  function makeSpare(key: string, m: { entries: string[]; files: number; bytes: number }): void {
    const dir = dirOf(key);
    const job = (async () => {
      if (await lstat(join(dir, 'spare')).catch(() => undefined)) return;
      const tmp = join(dir, `.spare-tmp-${process.pid}-${rand()}`);
      try {
        await mkdir(tmp);
        await copy(join(dir, 'files'), m.entries, tmp);
        // A spare that does not match its manifest is never offered.
        const made = await measure(tmp, m.entries, {
          maxFiles: Number.MAX_SAFE_INTEGER,
          maxBytes: Number.MAX_SAFE_INTEGER,
        });
        if (!made.ok || made.files !== m.files || made.bytes !== m.bytes)
          throw new Error('the spare does not match the manifest');
        await rename(tmp, join(dir, 'spare'));
      } finally {
        await rm(tmp, { recursive: true, force: true }).catch(() => {});
      }
    })().catch((err: unknown) => {
      // Removed meanwhile, or another process made it first: the next hit copies.
      deps.log?.debug?.({ err, key }, 'no spare made for an environment snapshot');
    });
    background.add(job);
    void track(key, job).finally(() => background.delete(job));
  }

  /**
   * Moves the key's spare into the workspace when there is one: claimed by one rename (two tasks
   * never get the same spare), then one rename per entry. False when there is none, or moving it
   * failed (what was moved is taken back out; the caller copies instead).
   */
  async function takeSpare(key: string, entries: string[], workspaceDir: string): Promise<boolean> {
    // Beside the workspace, out of the sandbox's sight, on the same disk as both.
    const claim = `${workspaceDir}.env-spare-${process.pid}-${rand()}`;
    try {
      await rename(join(dirOf(key), 'spare'), claim);
    } catch {
      return false;
    }
    try {
      for (const e of entries) {
        const to = join(workspaceDir, e);
        await mkdir(dirname(to), { recursive: true });
        await rename(join(claim, e), to);
      }
      return true;
    } catch {
      await removeEntries(workspaceDir, entries);
      return false;
    } finally {
      await rm(claim, { recursive: true, force: true }).catch(() => {});
    }
  }

  /**
   * Leftovers of a process that died while saving, removing or making a spare: gone at the first
   * use (a half-made spare would otherwise stay beside its snapshot until the snapshot goes).
   */
  const sweep = () => {
    swept ??= (async () => {
      await mkdir(root, { recursive: true });
      for (const name of await readdir(root).catch(() => [] as string[])) {
        const tmp = /^\.tmp-[0-9a-f]+-(\d+)-/.exec(name);
        if (name.startsWith('.trash-') || (tmp && !alive(Number(tmp[1])))) {
          await rm(join(root, name), { recursive: true, force: true }).catch(() => {});
          continue;
        }
        if (name.startsWith('.')) continue;
        for (const inner of await readdir(join(root, name)).catch(() => [] as string[])) {
          const spare = /^\.spare-tmp-(\d+)-/.exec(inner);
          if (spare && !alive(Number(spare[1])))
            await rm(join(root, name, inner), { recursive: true, force: true }).catch(() => {});
        }
      }
    })();
    return swept;
  };

  async function readManifest(
    key: string,
  ): Promise<{ ok: true; manifest: EnvManifest } | { ok: false; missing: boolean; detail: string }> {
    const file = join(dirOf(key), 'manifest.json');
    try {
      const st = await lstat(file);
      if (!st.isFile() || st.size > MANIFEST_MAX_BYTES)
        return { ok: false, missing: false, detail: 'manifest.json is not a small regular file' };
      const parsed = EnvManifest.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success)
        return { ok: false, missing: false, detail: 'manifest.json does not match its schema' };
      if (parsed.data.key !== key)
        return { ok: false, missing: false, detail: 'manifest.json names another key' };
      return { ok: true, manifest: parsed.data };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const folder = await lstat(dirOf(key)).catch(() => undefined);
        return folder
          ? { ok: false, missing: false, detail: 'the snapshot has no manifest.json' }
          : { ok: false, missing: true, detail: '' };
      }
      return { ok: false, missing: false, detail: `manifest.json: ${(err as Error).message.slice(0, 200)}` };
    }
  }

  async function readUsage(key: string, createdAt: string): Promise<EnvUsage> {
    try {
      const parsed = EnvUsage.safeParse(JSON.parse(await readFile(join(dirOf(key), 'usage.json'), 'utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // Missing or damaged usage is no reason to drop a snapshot: it counts as never used.
    }
    return { hits: 0, last_used_at: createdAt };
  }

  async function writeUsage(dir: string, usage: EnvUsage): Promise<void> {
    const tmp = join(dir, `.usage-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, JSON.stringify(usage));
    await rename(tmp, join(dir, 'usage.json'));
  }

  /** Every valid snapshot, with its manifest and usage; damaged folders are left out. */
  async function snapshots(): Promise<{ manifest: EnvManifest; usage: EnvUsage }[]> {
    await sweep();
    const out: { manifest: EnvManifest; usage: EnvUsage }[] = [];
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const m = await readManifest(name);
      if (m.ok) out.push({ manifest: m.manifest, usage: await readUsage(name, m.manifest.created_at) });
    }
    return out;
  }

  const toEntry = ({ manifest: m, usage }: { manifest: EnvManifest; usage: EnvUsage }): EnvCacheEntry => ({
    key: m.key,
    repo: m.repo,
    setup_command: m.setup_command,
    sandbox: m.sandbox,
    key_files: m.key_files,
    base_commit: m.base_commit,
    bytes: m.bytes,
    files: m.files,
    created_at: m.created_at,
    last_used_at: usage.last_used_at,
    hits: usage.hits,
  });

  /** Takes a snapshot away at once (renamed), and deletes its files once no serve copies from it. */
  async function remove(key: string): Promise<boolean> {
    const trash = join(
      root,
      `.trash-${key.slice(0, 16)}-${process.pid}-${Math.random().toString(36).slice(2)}`,
    );
    try {
      await rename(dirOf(key), trash);
    } catch {
      return false;
    }
    const inflight = [...(reading.get(key) ?? [])];
    await Promise.allSettled(inflight);
    await rm(trash, { recursive: true, force: true }).catch((err: unknown) =>
      deps.log?.warn({ err, key }, 'could not delete a removed environment snapshot'),
    );
    return true;
  }

  /** Least recently used first, until the total fits the cap; `keep` (the snapshot just saved) stays. */
  async function evict(keep: string): Promise<void> {
    const all = await snapshots();
    let total = all.reduce((n, s) => n + s.manifest.bytes, 0);
    const lru = all
      .filter((s) => s.manifest.key !== keep)
      .sort((a, b) => a.usage.last_used_at.localeCompare(b.usage.last_used_at));
    for (const s of lru) {
      if (total <= deps.maxBytes) break;
      if (await remove(s.manifest.key)) {
        total -= s.manifest.bytes;
        deps.log?.info(
          { key: s.manifest.key, repo: s.manifest.repo },
          'environment snapshot evicted (size cap)',
        );
      }
    }
  }

  async function removeEntries(workspaceDir: string, entries: string[]): Promise<void> {
    for (const e of entries)
      await rm(join(workspaceDir, e), { recursive: true, force: true }).catch(() => {});
  }

  const failure = (err: unknown): Exclude<EnvSaveResult, { saved: true }> => {
    const noSpace = err instanceof NoSpaceError || (err as NodeJS.ErrnoException)?.code === 'ENOSPC';
    return {
      saved: false,
      failed: noSpace ? 'no_space' : 'error',
      message: (err as Error)?.message?.slice(0, 500) ?? String(err),
    };
  };

  const cache: EnvCache = {
    maxBytes: deps.maxBytes,
    enabled: deps.enabled,

    async list(filter) {
      const all = (await snapshots()).map(toEntry).filter((e) => !filter?.repo || e.repo === filter.repo);
      return all.sort((a, b) => b.last_used_at.localeCompare(a.last_used_at));
    },

    async clear(filter) {
      await sweep();
      let removed = 0;
      let bytes = 0;
      if (filter?.repo) {
        for (const s of await snapshots()) {
          if (s.manifest.repo !== filter.repo) continue;
          if (await remove(s.manifest.key)) {
            removed += 1;
            bytes += s.manifest.bytes;
          }
        }
        return { removed, bytes };
      }
      const sizes = new Map((await snapshots()).map((s) => [s.manifest.key, s.manifest.bytes]));
      // Everything, damaged folders too.
      for (const name of await readdir(root).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue;
        if (await remove(name)) {
          removed += 1;
          bytes += sizes.get(name) ?? 0;
        }
      }
      return { removed, bytes };
    },

    async keyOf(input) {
      return computeEnvKey(input, await identity(input.sandboxKind));
    },

    async serve(key, workspaceDir): Promise<EnvServeResult> {
      await sweep();
      const t0 = performance.now();
      const read = await readManifest(key.key);
      if (!read.ok) {
        if (!read.missing) return { hit: false, reason: 'corrupted', detail: read.detail };
        const family = (await snapshots()).some((s) => s.manifest.family === key.family);
        return { hit: false, reason: family ? 'key_changed' : 'no_snapshot' };
      }
      const m = read.manifest;
      const files = join(dirOf(key.key), 'files');
      if (!(await lstat(files).catch(() => undefined))?.isDirectory())
        return { hit: false, reason: 'corrupted', detail: 'the snapshot has no files folder' };
      for (const e of m.entries) {
        if (safeEntry(e) !== e)
          return {
            hit: false,
            reason: 'corrupted',
            detail: 'the manifest names a path outside the workspace',
          };
        if (!(await parentsAreFolders(workspaceDir, e)))
          return {
            hit: false,
            reason: 'workspace_conflict',
            detail: `a folder above ${e} is not a folder here`,
          };
        if (await lstat(join(workspaceDir, e)).catch(() => undefined))
          return { hit: false, reason: 'workspace_conflict', detail: `${e} exists in the workspace` };
      }
      const copying = track(
        key.key,
        (async () => {
          // A spare was checked when it was made; it is checked again where it landed, as a copy
          // is (a cache folder damaged by hand since must still end in a miss, never a short tree).
          if (!(await takeSpare(key.key, m.entries, workspaceDir)))
            await copy(files, m.entries, workspaceDir);
          return measure(workspaceDir, m.entries, {
            maxFiles: Number.MAX_SAFE_INTEGER,
            maxBytes: Number.MAX_SAFE_INTEGER,
          });
        })(),
      );
      let copied: Awaited<typeof copying>;
      try {
        copied = await copying;
      } catch (err) {
        await removeEntries(workspaceDir, m.entries);
        return {
          hit: false,
          reason: 'corrupted',
          detail: `copying the snapshot failed: ${(err as Error).message.slice(0, 300)}`,
        };
      }
      if (!copied.ok || copied.files !== m.files || copied.bytes !== m.bytes) {
        await removeEntries(workspaceDir, m.entries);
        const got = copied.ok ? `${copied.files} files, ${copied.bytes} bytes` : copied.detail;
        return {
          hit: false,
          reason: 'corrupted',
          detail: `the snapshot holds ${got} where its manifest says ${m.files} files, ${m.bytes} bytes`,
        };
      }
      const usage = await readUsage(key.key, m.created_at);
      await writeUsage(dirOf(key.key), { hits: usage.hits + 1, last_used_at: now().toISOString() }).catch(
        () => {
          // Removed meanwhile: the copy is complete and verified all the same.
        },
      );
      // The next hit's spare, made off this task's path.
      makeSpare(key.key, m);
      return {
        hit: true,
        entry: toEntry({ manifest: m, usage: { hits: usage.hits + 1, last_used_at: now().toISOString() } }),
        baseline: m.baseline,
        durationMs: Math.round(performance.now() - t0),
      };
    },

    async stage(key, { sandbox, workspaceDir, baseCommit }) {
      await sweep();
      const t0 = performance.now();
      if (await lstat(dirOf(key.key)).catch(() => undefined))
        return { saved: false, skipped: 'already_cached' };
      // The folder may have been removed by hand under the running platform.
      await mkdir(root, { recursive: true });
      const release = await tryFillLock(join(root, `.lock-${key.key}`)).catch(() => undefined);
      if (!release) return { saved: false, skipped: 'fill_in_progress' };
      let tmp: string | undefined;
      const drop = async () => {
        if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
        await release();
      };
      try {
        const status = await sandbox.exec('git status --porcelain -z --untracked-files=no', {
          timeoutMs: 120_000,
          maxOutputBytes: 64 * 1024,
        });
        if (status.exitCode !== 0)
          throw new Error(`git status failed: ${status.stderr.trim().slice(0, 300)}`);
        if (status.stdout.trim()) {
          await drop();
          const paths = status.stdout
            .split('\0')
            .filter(Boolean)
            .slice(0, 5)
            .map((l) => l.slice(3));
          return { saved: false, skipped: 'tracked_files_changed', detail: paths.join(', ').slice(0, 300) };
        }
        const again = await cache.keyOf({
          repo: key.repo,
          setupCommand: key.setupCommand,
          sandboxKind: sandbox.kind,
          workspaceDir,
          extraKeyFiles: key.extraKeyFiles,
        });
        if (again.key !== key.key) {
          await drop();
          const before = new Map(key.keyFiles.map((f) => [f.path, f.sha256]));
          const after = new Map(again.keyFiles.map((f) => [f.path, f.sha256]));
          const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
            (p) => before.get(p) !== after.get(p),
          );
          return { saved: false, skipped: 'key_files_changed', detail: changed.join(', ').slice(0, 300) };
        }
        const listed = await listUntracked(sandbox);
        if (!listed.ok) {
          if (listed.reason === 'too_large') {
            await drop();
            return { saved: false, skipped: 'too_large', detail: listed.detail };
          }
          throw new Error(listed.detail);
        }
        if (!listed.entries.length) {
          await drop();
          return { saved: false, skipped: 'nothing_to_save' };
        }
        for (const e of listed.entries) {
          if (!(await parentsAreFolders(workspaceDir, e))) {
            await drop();
            return { saved: false, skipped: 'unsupported_file', detail: `a folder above ${e} is a symlink` };
          }
        }
        const limits = { maxFiles, maxBytes: deps.maxBytes };
        const sized = await measure(workspaceDir, listed.entries, limits);
        if (!sized.ok) {
          if (sized.reason === 'missing') throw new Error(sized.detail);
          await drop();
          return { saved: false, skipped: sized.reason, detail: sized.detail };
        }
        tmp = await mkdtemp(join(root, `.tmp-${key.key.slice(0, 16)}-${process.pid}-`));
        const files = join(tmp, 'files');
        await mkdir(files);
        await copy(workspaceDir, listed.entries, files);
        // What was copied is what is kept (a straggling process of setup may have changed files since).
        const copied = await measure(files, listed.entries, limits);
        if (!copied.ok) {
          if (copied.reason === 'missing') throw new Error(copied.detail);
          await drop();
          return { saved: false, skipped: copied.reason, detail: copied.detail };
        }
        const staged = tmp;
        const stagedMs = performance.now() - t0;
        const save: StagedSave = {
          key: key.key,
          async commit(baseline: RecordedCheck[]) {
            const t1 = performance.now();
            try {
              const createdAt = now().toISOString();
              const manifest: EnvManifest = {
                version: 1,
                key: key.key,
                family: key.family,
                repo: key.repo,
                setup_command: key.setupCommand,
                sandbox: key.sandbox,
                key_files: key.keyFiles,
                base_commit: baseCommit,
                entries: listed.entries,
                bytes: copied.bytes,
                files: copied.files,
                created_at: createdAt,
                baseline: baseline.map((b) => ({
                  name: b.name,
                  command: b.command,
                  exitCode: b.exitCode,
                  ok: b.ok,
                  durationMs: b.durationMs,
                  ...(b.killed ? { killed: b.killed } : {}),
                  outputTail: b.outputTail,
                })),
              };
              await writeUsage(staged, { hits: 0, last_used_at: createdAt });
              await writeFile(join(staged, 'manifest.json'), JSON.stringify(manifest));
              if (await lstat(dirOf(key.key)).catch(() => undefined)) {
                await drop();
                return { saved: false, skipped: 'already_cached' };
              }
              await rename(staged, dirOf(key.key));
              tmp = undefined;
              await release();
              makeSpare(key.key, { entries: listed.entries, files: copied.files, bytes: copied.bytes });
              await evict(key.key).catch((err: unknown) =>
                deps.log?.warn({ err }, 'environment cache eviction failed'),
              );
              return {
                saved: true,
                bytes: copied.bytes,
                files: copied.files,
                durationMs: Math.round(stagedMs + performance.now() - t1),
              };
            } catch (err) {
              await drop();
              return failure(err);
            }
          },
          discard: drop,
        };
        return save;
      } catch (err) {
        await drop();
        return failure(err);
      }
    },
  };
  return {
    ...cache,
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
