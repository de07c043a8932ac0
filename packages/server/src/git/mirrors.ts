import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkBranchName } from '../adapters/workspaces/branch-name.ts';
import { INTAKE_LIMITS } from '../config/intake-limits.ts';
import { ForgeError, type GitRemote, type RepoRef } from '../ports/forge.ts';
import type { MirrorSyncOptions } from '../ports/workspaces.ts';
import { remoteBranchHead } from './branch-probe.ts';
import { type GitCli, gitError } from './git-cli.ts';
import { lockFile, mirrorReaders } from './mirror-locks.ts';
import {
  type FetchRecord,
  fetchedSince,
  oldestFetch,
  readFetchRecord,
  writeFetchRecord,
} from './mirror-record.ts';
import { readBranchRef } from './ref-file.ts';

/** Resolves the remote of a repo per call (for example after minting a short-lived token). */
export type RemoteResolver = (repo: RepoRef) => Promise<GitRemote>;

/** Default cut of a file read from a mirror (instruction files, the repo's config file). */
const READ_MAX_BYTES = INTAKE_LIMITS.repoFileBytes;

/** The host's bare mirrors, one per repo, under `<cacheDir>/mirrors`. */
export interface Mirrors {
  /** The mirror's path, whether or not it exists yet. */
  pathOf(repo: RepoRef): string;
  /**
   * Creates or refreshes the mirror's default branch and the branches `opts` names (see
   * {@link MirrorSyncOptions}: one refresh serves every call within the freshness window);
   * returns the default branch head.
   */
  sync(repo: RepoRef, opts?: MirrorSyncOptions): Promise<{ path: string; defaultBranchHead: string }>;
  /**
   * The mirror's path, creating it first when missing; of `branches`, those the mirror does not
   * hold at all are fetched (no refresh of what it holds).
   */
  ensure(repo: RepoRef, opts?: { signal?: AbortSignal; branches?: string[] }): Promise<string>;
  /**
   * Clones the mirror into `dest` (no checkout), never waiting for a refresh or for maintenance:
   * a copy of the object files, or — while a repack runs — a clone through git's transport.
   */
  cloneTo(repo: RepoRef, dest: string, opts?: { signal?: AbortSignal }): Promise<void>;
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
  /**
   * Head of a branch on the remote, or undefined when it has none; the remote lists only that
   * branch ({@link remoteBranchHead}), however many it has.
   */
  remoteHead(repo: RepoRef, branch: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /**
   * The mirror's upkeep, off every task's path (a refresh starts it in the background every few
   * minutes): drops branches no task fetched for {@link PRUNE_AFTER_MS}, then `git gc --auto`
   * when no clone is copying the mirror's objects (`busy` otherwise; tried again later).
   */
  maintain(repo: RepoRef): Promise<{ pruned: number; gc: 'ran' | 'busy' }>;
  /** Resolves when the upkeep started in the background so far has ended (tests, shutdown). */
  idle(): Promise<void>;
  /** Remote fetches made by this process so far, per mirror path (tests and benchmarks count them). */
  fetchCount(repo: RepoRef): number;
}

/** How often a mirror's refresh starts its upkeep in the background (per process). */
const MAINTAIN_EVERY_MS = 5 * 60_000;
/** Upkeep that found a clone at work is tried again after this long. */
const MAINTAIN_RETRY_MS = 30_000;
/** A branch no task fetched for this long leaves the mirror (its objects stay until gc prunes them). */
export const PRUNE_AFTER_MS = 60 * 60_000;
/** Default freshness window of a refresh (ABCA_MIRROR_FRESH_MS). */
export const DEFAULT_MIRROR_FRESH_MS = 2_000;

/** One fetch of a mirror, shared by every call that joins it. */
interface Flight {
  branches: Set<string>;
  /** The newest `since` of the calls that joined before it began. */
  since: number;
  /** How fresh its answer is (epoch ms), known once it began: no call joins a running flight before. */
  freshAt?: number;
  done: Promise<void>;
  controller: AbortController;
  /** Callers with a signal not yet aborted; the fetch is aborted when the last one is. */
  holders: number;
  /** A caller without a signal joined: the fetch is never aborted. */
  pinned: boolean;
}

/**
 * Mirrors are created in a temporary sibling folder and renamed into place, so a crash never
 * leaves a half-made mirror at the final path.
 *
 * **What is fetched.** Only what a caller reads: the default branch and the branches it names
 * (`+refs/heads/<b>:refs/heads/<b>`), never `refs/heads/*`, tags or GitHub's `refs/pull/*`. A
 * remote with ten thousand branches then advertises only those refs (protocol v2 `ref-prefix`), and
 * the mirror keeps few refs, so neither its fetch nor a workspace clone grows with the remote's
 * history. A named branch the remote no longer has is removed from the mirror (what `--prune` did).
 * The first creation fetches the default branch only (on a remote of 10,000 branches, 1.3 s
 * instead of 9 s for all of them, measured).
 *
 * **One refresh serves many.** Per mirror, at most one fetch runs and one waits (for the lock);
 * a call joins the waiting one (which begins after the call, so it is always fresh enough), or the
 * running one when that began within the freshness window before the call, or is answered from the
 * record of the last fetch (`abca-fetched.json`) when every branch it needs was fetched within the
 * window. `freshAfter` narrows the window (a push just made), and a `want` the mirror's branch does
 * not contain after all that fetches once more, strictly fresh. An in-process queue per mirror
 * keeps two fetches of this worker apart, and `<mirror>.lock` does the same across workers; the
 * record, written under the lock, lets a worker that waited use another worker's fetch.
 *
 * **Upkeep off the path.** `git gc --auto` used to run under the refresh lock, because a
 * workspace clone copies the mirror's object files (`clone --local`) and a repack replacing packs
 * and deleting loose objects under it could leave a clone silently missing objects. Now it runs in
 * the background after the lock is released, and clones and the repack exclude each other through
 * a reader/maintainer protocol ({@link mirrorReaders}) in which a clone never waits: the repack only
 * starts while no clone copies, and a clone that starts during a repack reads through git's
 * transport (`clone --no-local`, whose object access a concurrent repack does not break) instead
 * of copying files. Fetches do not need excluding: git keeps a repack safe against them (new packs
 * are never deleted, unreachable objects are kept for two weeks). Branches no task fetched for an
 * hour are deleted in the same upkeep, under the refresh lock (one `update-ref`).
 */
export function createMirrors(deps: {
  git: GitCli;
  cacheDir: string;
  remote: RemoteResolver;
  /** A refresh that began this long before a call serves it; 0: none that began before the call. */
  freshMs?: number;
}): Mirrors {
  const { git, cacheDir } = deps;
  const freshMs = deps.freshMs ?? DEFAULT_MIRROR_FRESH_MS;
  const locks = new Map<string, Promise<unknown>>();
  const flights = new Map<string, { running?: Flight; waiting?: Flight }>();
  /** The last record this process read or wrote, per mirror. */
  const known = new Map<string, FetchRecord>();
  const lastMaintained = new Map<string, number>();
  const background = new Set<Promise<unknown>>();
  const fetches = new Map<string, number>();

  function pathOf(repo: RepoRef): string {
    const where =
      repo.forge.kind === 'git' ? repo.forge.url : repo.forge.kind === 'github' ? repo.forge.owner_repo : '';
    const hash = createHash('sha256').update(`${repo.forge.kind}\0${where}`).digest('hex').slice(0, 12);
    const safe = repo.repo.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    return join(cacheDir, 'mirrors', `${safe}-${hash}.git`);
  }

  /** Runs `fn` while no refresh of this repo's mirror runs, in this process or another. */
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

  /**
   * Fetches `branches` into the mirror at `path`. A branch the remote does not have (deleted)
   * fails git's whole fetch: then the remote is asked which it has, the others leave the mirror,
   * and the rest is fetched. Returns the branches that are gone.
   */
  async function fetchBranches(
    path: string,
    repo: RepoRef,
    branches: string[],
    signal?: AbortSignal,
    /** The mirror counted for (a new mirror is fetched into a temporary folder first). */
    mirror = path,
  ): Promise<string[]> {
    const remote = await deps.remote(repo);
    const opts = {
      cwd: path,
      op: 'fetch' as const,
      ...(remote.credential ? { credential: remote.credential } : {}),
      ...(signal ? { signal } : {}),
    };
    // The pack is kept as it came (only indexed), never exploded into loose objects: a small
    // fetch (under git's default of 100 objects) would otherwise inflate every blob and compress it
    // again, a gigabyte for a repository whose history holds one. `gc --auto` merges the packs.
    const fetch = (names: string[]) => {
      fetches.set(mirror, (fetches.get(mirror) ?? 0) + 1);
      return git.tryRun(
        [
          '-c',
          'gc.auto=0',
          '-c',
          'fetch.unpackLimit=1',
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          remote.url,
          ...names.map((b) => `+refs/heads/${b}:refs/heads/${b}`),
        ],
        opts,
      );
    };
    const args = ['fetch', remote.url];
    const first = await fetch(branches);
    if (first.code === 0) return [];
    if (!/couldn't find remote ref/i.test(first.stderr)) throw gitError(args, first.stderr, 'fetch');
    const listed = await git.run(['ls-remote', '--heads', remote.url], {
      ...opts,
      maxOutputBytes: 64 * 1024 * 1024,
    });
    const there = new Set(
      listed
        .split('\n')
        .map((l) => l.split('\t')[1] ?? '')
        .filter((r) => r.startsWith('refs/heads/'))
        .map((r) => r.slice('refs/heads/'.length)),
    );
    const gone = branches.filter((b) => !there.has(b));
    const kept = branches.filter((b) => there.has(b));
    if (gone.length > 0) {
      await git.run(['update-ref', '--stdin'], {
        cwd: path,
        stdin: gone.map((b) => `delete refs/heads/${b}\n`).join(''),
      });
    }
    if (kept.length > 0) {
      const second = await fetch(kept);
      if (second.code !== 0) throw gitError(args, second.stderr, 'fetch');
    }
    return gone;
  }

  async function create(path: string, repo: RepoRef, branches: string[], signal?: AbortSignal) {
    await mkdir(dirname(path), { recursive: true });
    const tmp = await mkdtemp(`${path}.tmp-`);
    try {
      await git.run(['init', '--quiet', '--bare', tmp]);
      const at = Date.now();
      await fetchBranches(tmp, repo, branches, signal, path);
      await git.run(['symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`], { cwd: tmp });
      const record = recordAfter({}, branches, at);
      await writeFetchRecord(tmp, record);
      await rename(tmp, path);
      return record;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * The record after a fetch of `branches` begun at `at`. A branch found gone counts as fetched
   * too: it is known gone as of that moment, and a call within the window is answered "not there".
   */
  function recordAfter(before: FetchRecord, branches: string[], at: number): FetchRecord {
    const record = { ...before };
    for (const b of branches) record[b] = at;
    return record;
  }

  /** The flight that fetches `branches` for a call made now needing data fresh since `since`. */
  function flightFor(repo: RepoRef, path: string, branches: string[], since: number): Flight {
    const slot = flights.get(path) ?? {};
    flights.set(path, slot);
    const running = slot.running;
    if (
      running?.freshAt !== undefined &&
      !running.controller.signal.aborted &&
      running.freshAt >= since &&
      branches.every((b) => running.branches.has(b))
    )
      return running;
    // A waiting flight every caller of which gave up is aborted: a new one takes its place.
    if (slot.waiting && !slot.waiting.controller.signal.aborted) {
      for (const b of branches) slot.waiting.branches.add(b);
      slot.waiting.since = Math.max(slot.waiting.since, since);
      return slot.waiting;
    }
    const flight: Flight = {
      branches: new Set(branches),
      since,
      done: Promise.resolve(),
      controller: new AbortController(),
      holders: 0,
      pinned: false,
    };
    slot.waiting = flight;
    flight.done = withLock(repo, async () => {
      if (slot.waiting === flight) slot.waiting = undefined;
      slot.running = flight;
      try {
        await fly(repo, path, flight);
      } finally {
        if (slot.running === flight) slot.running = undefined;
      }
    }).finally(() => {
      if (!slot.running && !slot.waiting && flights.get(path) === slot) flights.delete(path);
      scheduleUpkeep(repo, path);
    });
    // Nobody may be left to see a failure (every caller gave up): it is not unhandled.
    flight.done.catch(() => {});
    return flight;
  }

  /** The flight's work, under the lock: another worker's fetch may have done it already. */
  async function fly(repo: RepoRef, path: string, flight: Flight): Promise<void> {
    const branches = [...flight.branches];
    const signal = flight.controller.signal;
    if (signal.aborted) throw cancelled();
    if (existsSync(path)) {
      const disk = await readFetchRecord(path);
      if (fetchedSince(disk, branches, flight.since)) {
        known.set(path, disk);
        flight.freshAt = oldestFetch(disk, branches);
        return;
      }
      const at = Date.now();
      flight.freshAt = at;
      await fetchBranches(path, repo, branches, signal);
      const record = recordAfter(disk, branches, at);
      await writeFetchRecord(path, record);
      known.set(path, record);
    } else {
      flight.freshAt = Date.now();
      known.set(path, await create(path, repo, branches, signal));
    }
  }

  /** Waits for `flight` on behalf of a caller; the caller's abort ends only its own wait. */
  async function joinFlight(flight: Flight, signal?: AbortSignal): Promise<void> {
    if (!signal) {
      flight.pinned = true;
      return flight.done;
    }
    if (signal.aborted) throw cancelled();
    flight.holders++;
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        flight.holders--;
        if (flight.holders === 0 && !flight.pinned) flight.controller.abort();
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      await Promise.race([flight.done, aborted]);
    } finally {
      if (!signal.aborted) flight.holders--;
      signal.removeEventListener('abort', onAbort);
    }
  }

  const cancelled = () =>
    new ForgeError('INTERNAL_ERROR', 'the mirror refresh was stopped (cancelled)', true);

  /** Each `want` (branch → commit) is contained in the mirror's branch. */
  async function wantsMet(path: string, want: Record<string, string>): Promise<boolean> {
    for (const [branch, commit] of Object.entries(want)) {
      const res = await git.tryRun(['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`], {
        cwd: path,
      });
      if (res.code !== 0) return false;
    }
    return true;
  }

  async function head(path: string, repo: RepoRef): Promise<string> {
    // The mirror is host-made: its branch is read from its files (git only when they do not say).
    const read = await readBranchRef(path, repo.defaultBranch);
    if (read) return read;
    const res = await git.tryRun(
      ['rev-parse', '--verify', '--quiet', `refs/heads/${repo.defaultBranch}^{commit}`],
      { cwd: path },
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

  function scheduleUpkeep(repo: RepoRef, path: string): void {
    const now = Date.now();
    if (now - (lastMaintained.get(path) ?? 0) < MAINTAIN_EVERY_MS) return;
    lastMaintained.set(path, now);
    const job = maintain(repo)
      .then((r) => {
        if (r.gc === 'busy') lastMaintained.set(path, Date.now() - MAINTAIN_EVERY_MS + MAINTAIN_RETRY_MS);
      })
      // Upkeep is best effort: a failure (the platform stopping, a folder removed) waits for the next.
      .catch(() => {})
      .finally(() => background.delete(job));
    background.add(job);
  }

  async function maintain(repo: RepoRef): Promise<{ pruned: number; gc: 'ran' | 'busy' }> {
    const path = pathOf(repo);
    if (!existsSync(path)) return { pruned: 0, gc: 'ran' };
    const pruned = await withLock(repo, async () => {
      const record = await readFetchRecord(path);
      const cutoff = Date.now() - PRUNE_AFTER_MS;
      const keep = new Set([`refs/heads/${repo.defaultBranch}`]);
      const next: FetchRecord = {};
      for (const [b, at] of Object.entries(record)) {
        if (at < cutoff && b !== repo.defaultBranch) continue;
        keep.add(`refs/heads/${b}`);
        next[b] = at;
      }
      const refs = (
        await git.run(['for-each-ref', '--format=%(refname)'], {
          cwd: path,
          maxOutputBytes: 256 * 1024 * 1024,
        })
      )
        .split('\n')
        .filter((r) => r && !keep.has(r));
      if (refs.length > 0) {
        await git.run(['update-ref', '--stdin'], {
          cwd: path,
          stdin: refs.map((r) => `delete ${r}\n`).join(''),
        });
      }
      await writeFetchRecord(path, next);
      known.set(path, next);
      return refs.length;
    });
    const gc = await mirrorReaders.maintain(path, () =>
      git.run(['-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], { cwd: path }),
    );
    return { pruned, gc: gc.ran ? 'ran' : 'busy' };
  }

  function wanted(repo: RepoRef, names: Iterable<string>): string[] {
    const out = new Set([repo.defaultBranch]);
    for (const b of names) {
      checkBranchName(b);
      out.add(b);
    }
    return [...out];
  }

  async function sync(repo: RepoRef, opts: MirrorSyncOptions = {}) {
    const path = pathOf(repo);
    const want = Object.fromEntries(
      Object.entries(opts.want ?? {}).filter(([, c]) => /^[0-9a-f]{7,64}$/i.test(c)),
    );
    const branches = wanted(repo, [...(opts.branches ?? []), ...Object.keys(want)]);
    const asked = Date.now();
    const since = Math.max(
      freshMs > 0 ? asked - freshMs : asked,
      opts.freshAfter ?? Number.NEGATIVE_INFINITY,
    );
    const record = known.get(path);
    const served = record && fetchedSince(record, branches, since) && existsSync(path);
    if (!served) await joinFlight(flightFor(repo, path, branches, since), opts.signal);
    if (!(await wantsMet(path, want))) {
      // The remote moved since the shared refresh: one more fetch, begun after this moment.
      await joinFlight(flightFor(repo, path, branches, Date.now()), opts.signal);
    }
    return { path, defaultBranchHead: await head(path, repo) };
  }

  return {
    pathOf,
    sync,
    maintain,
    async idle() {
      while (background.size > 0) await Promise.all([...background]);
    },
    fetchCount: (repo) => fetches.get(pathOf(repo)) ?? 0,
    async ensure(repo, opts = {}) {
      const path = pathOf(repo);
      const branches = wanted(repo, opts.branches ?? []);
      if (!existsSync(path)) {
        await joinFlight(flightFor(repo, path, branches, Date.now()), opts.signal);
        return path;
      }
      if (branches.length > 1) {
        const held = await git.run(
          ['for-each-ref', '--format=%(refname)', ...branches.map((b) => `refs/heads/${b}`)],
          { cwd: path },
        );
        const have = new Set(held.split('\n'));
        const missing = branches.filter((b) => !have.has(`refs/heads/${b}`));
        if (missing.length > 0) await joinFlight(flightFor(repo, path, missing, Date.now()), opts.signal);
      }
      return path;
    },
    async cloneTo(repo, dest, opts = {}) {
      const path = pathOf(repo);
      const reader = await mirrorReaders.enter(path);
      try {
        const how = reader.maintaining ? ['--no-local'] : ['--local', '--no-hardlinks'];
        await git.run(['clone', '--quiet', ...how, '--no-checkout', path, dest], {
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } finally {
        await reader.leave();
      }
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
      return remoteBranchHead(
        git,
        await deps.remote(repo),
        branch,
        opts.signal ? { signal: opts.signal } : {},
      );
    },
  };
}
