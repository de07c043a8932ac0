import { open, readFile, rm, stat } from 'node:fs/promises';

/**
 * Lock files shared by processes on one machine: created exclusively, holding the owner's pid. A
 * lock whose process is gone, or older than `staleMs` whoever holds it, is taken over. The mirrors
 * (git/mirror-locks.ts) and the environment cache's fills (env-cache/) use them.
 */
export async function tryLockFile(lock: string, staleMs: number): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!(await isStaleLock(lock, staleMs))) return undefined;
    await rm(lock, { force: true });
  }
  return undefined;
}

/** Whether `lock` is free to take over: missing, older than `staleMs`, or its process is gone. */
export async function isStaleLock(lock: string, staleMs: number): Promise<boolean> {
  try {
    const [pid, st] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    if (Date.now() - st.mtimeMs > staleMs) return true;
    return !pidAlive(Number(pid), st.mtimeMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}

/** A pid that cannot be one (a lock being written) counts as alive for five seconds. */
export function pidAlive(pid: number, since: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - since <= 5_000;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
