import { open, readFile, rm, stat } from 'node:fs/promises';

/** A fill lock older than this is stale whoever holds it (no setup and save take this long). */
const STALE_MS = 2 * 60 * 60_000;

/**
 * Takes the fill lock of a key without waiting: the second task filling the same key skips the
 * fill (it has run setup itself already). A lock left by a dead process is taken over.
 */
export async function tryFillLock(path: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!(await isStale(path))) return undefined;
    await rm(path, { force: true });
  }
  return undefined;
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [pid, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    if (Date.now() - st.mtimeMs > STALE_MS) return true;
    const n = Number(pid);
    if (!Number.isInteger(n) || n <= 0) return Date.now() - st.mtimeMs > 5_000;
    process.kill(n, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}
