import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { fileErrors, SandboxFileError } from '../sandbox-file-error.ts';

/** Bytes asked of the kernel per read: small enough that a deadline is checked often. */
const CHUNK_BYTES = 1024 * 1024;

/** The word `stat -c %F` uses for a file type, so both backends name it the same way. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character special file';
  if (stats.isBlockDevice()) return 'block special file';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'regular file';
}

/**
 * Maps a host file-system error to a {@link SandboxFileError} for the caller's `path`. A write
 * whose folder cannot be made is `failed`, not `not_found`: the caller asked to create it.
 */
export function hostFileError(
  path: string,
  error: unknown,
  action: 'read' | 'write' = 'read',
): SandboxFileError {
  if (error instanceof SandboxFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (action === 'read' && (code === 'ENOENT' || code === 'ENOTDIR')) return fileErrors.notFound(path, error);
  if (code === 'EISDIR') return fileErrors.isDirectory(path);
  // O_NONBLOCK|O_WRONLY on a FIFO nobody reads: the open fails instead of blocking.
  if (code === 'ENXIO') return fileErrors.notRegular(path, 'fifo');
  if (code === 'ELOOP')
    return fileErrors.failed(path, 'a symlink loop, or a symlink swapped in as the last component', error);
  return fileErrors.failed(path, error instanceof Error ? error.message : String(error), error);
}

/**
 * Runs `operation` with a wall time: past `timeoutMs` the call rejects with `timeout` at once, and
 * `expired()` tells the operation to stop at its next step (a host read cannot be interrupted).
 */
async function withDeadline<T>(
  path: string,
  timeoutMs: number,
  operation: (expired: () => boolean) => Promise<T>,
): Promise<T> {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(fileErrors.timeout(path, timeoutMs));
    }, timeoutMs);
  });
  const running = operation(() => expired);
  running.catch(() => {
    // Lost the race against the deadline: already answered.
  });
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the host file `real` (already resolved and checked to be inside the workspace) for the
 * caller's `path`. Opened with `O_NOFOLLOW` (a symlink swapped in after the check is refused) and
 * `O_NONBLOCK` (opening a FIFO does not wait for a writer); the type and size are checked on the
 * descriptor before any byte is read, and at most `maxBytes + 1` bytes are read, so a file that
 * grows meanwhile is refused rather than read whole.
 */
export function readLocalFile(
  real: string,
  path: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<Buffer> {
  return withDeadline(path, timeoutMs, async (expired) => {
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      throw hostFileError(path, error);
    }
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw fileErrors.isDirectory(path);
      if (!stats.isFile()) throw fileErrors.notRegular(path, fileKind(stats));
      if (stats.size > maxBytes) throw fileErrors.tooLarge(path, maxBytes, stats.size);
      const chunks: Buffer[] = [];
      let total = 0;
      while (total <= maxBytes && !expired()) {
        const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
      }
      if (total > maxBytes) throw fileErrors.tooLarge(path, maxBytes);
      return Buffer.concat(chunks, total);
    } catch (error) {
      throw hostFileError(path, error);
    } finally {
      await handle.close().catch(() => {});
    }
  });
}

/**
 * Writes `content` to the host file `target` (its folder already resolved inside the workspace).
 * `O_NOFOLLOW` refuses a symlink as the last component; `O_NONBLOCK` makes a FIFO fail to open
 * instead of blocking; anything but a regular file is refused before a byte is written.
 */
export function writeLocalFile(
  target: string,
  path: string,
  content: string | Uint8Array,
  timeoutMs: number,
): Promise<void> {
  return withDeadline(path, timeoutMs, async () => {
    const flags =
      constants.O_WRONLY |
      constants.O_CREAT |
      constants.O_TRUNC |
      constants.O_NOFOLLOW |
      constants.O_NONBLOCK;
    let handle: FileHandle;
    try {
      handle = await open(target, flags, 0o666);
    } catch (error) {
      throw hostFileError(path, error, 'write');
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw fileErrors.notRegular(path, fileKind(stats));
      await handle.writeFile(content);
    } catch (error) {
      throw hostFileError(path, error, 'write');
    } finally {
      await handle.close().catch(() => {});
    }
  });
}
