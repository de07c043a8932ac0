import { tryLockFile } from '../ops/lock-file.ts';

/** A fill lock older than this is stale whoever holds it (no setup and save take this long). */
const STALE_MS = 2 * 60 * 60_000;

/**
 * Takes the fill lock of a key without waiting: the second task filling the same key skips the
 * fill (it has run setup itself already). A lock left by a dead process is taken over.
 */
export const tryFillLock = (path: string) => tryLockFile(path, STALE_MS);
