import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isStaleLock, pidAlive, tryLockFile as tryLockFileOf } from '../ops/lock-file.ts';
import { ForgeError } from '../ports/forge.ts';

/** A lock file older than this is taken over whatever its owner (a stuck process). */
const STALE_LOCK_MS = 30 * 60_000;

/**
 * Takes `lock` (created exclusively, holding the owner's pid) so that worker processes sharing a
 * cache folder do not refresh one mirror at once. A lock whose process is gone, or older than half
 * an hour, is taken over. Resolves to the release function.
 */
export async function lockFile(lock: string, timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  await mkdir(dirname(lock), { recursive: true });
  const started = Date.now();
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const release = await tryLockFile(lock);
    if (release) return release;
    if (Date.now() - started > timeoutMs) {
      throw new ForgeError('INTERNAL_ERROR', `the mirror lock ${lock} is held for too long`, true);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Takes `lock` when it is free (or stale) right now; undefined when another process holds it. */
export const tryLockFile = (lock: string) => tryLockFileOf(lock, STALE_LOCK_MS);

/** Held by a live process (and not older than half an hour)? */
export async function isHeld(lock: string): Promise<boolean> {
  try {
    await stat(lock);
  } catch {
    return false;
  }
  return !(await isStaleLock(lock, STALE_LOCK_MS));
}

let readerSeq = 0;

/**
 * Readers and the one maintainer of a mirror's object folder, across worker processes.
 *
 * A reader (a workspace clone copying the mirror's object files) leaves a file in
 * `<mirror>.readers/` named after its pid, then looks for `<mirror>.maint`; the maintainer (a
 * repack) creates `<mirror>.maint`, then looks for readers and backs off when there is one. Each
 * writes before it looks, so the two never both go ahead. A reader that finds the maintainer at
 * work does not wait: it is told so, and reads through git's own object access instead (which a
 * concurrent repack does not break). Files of processes that are gone are ignored and removed.
 */
export const mirrorReaders = {
  async enter(mirror: string): Promise<{ maintaining: boolean; leave: () => Promise<void> }> {
    const folder = `${mirror}.readers`;
    await mkdir(folder, { recursive: true });
    const token = join(folder, `${process.pid}-${++readerSeq}`);
    await writeFile(token, '');
    return { maintaining: await isHeld(`${mirror}.maint`), leave: () => rm(token, { force: true }) };
  },

  /** Runs `fn` as the maintainer when no reader is at work; `busy` otherwise (nothing ran). */
  async maintain<T>(mirror: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const release = await tryLockFile(`${mirror}.maint`);
    if (!release) return { ran: false };
    try {
      if (await liveReaders(`${mirror}.readers`)) return { ran: false };
      return { ran: true, value: await fn() };
    } finally {
      await release();
    }
  },
};

async function liveReaders(folder: string): Promise<boolean> {
  let live = false;
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    const path = join(folder, name);
    const since = (await stat(path).catch(() => undefined))?.mtimeMs;
    if (since === undefined) continue;
    if (Date.now() - since < STALE_LOCK_MS && pidAlive(Number(name.split('-')[0]), since)) live = true;
    else await rm(path, { force: true });
  }
  return live;
}
