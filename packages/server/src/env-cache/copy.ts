import { spawn } from 'node:child_process';

/** Copies `entries` (paths relative to `fromDir`) to the same paths under `toDir`. */
export type CopyEntries = (fromDir: string, entries: string[], toDir: string) => Promise<void>;

/** The disk filled up while copying. */
export class NoSpaceError extends Error {
  readonly code = 'ENOSPC';
  constructor(message: string) {
    super(message);
    this.name = 'NoSpaceError';
  }
}

const BATCH = 200;

/**
 * `cp -a --reflink=auto --parents`: a copy, never hard links (a task writing into a linked file would
 * change the cache), sharing blocks where the filesystem can (btrfs, XFS); symlinks are copied as
 * symlinks, never followed. Runs with `fromDir` as its working folder and relative sources, so a
 * snapshot renamed away (cleared) while it is copied stays readable to the copy.
 */
export const cpEntries: CopyEntries = async (fromDir, entries, toDir) => {
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH).map((e) => `./${e}`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('cp', ['-a', '--reflink=auto', '--parents', '-t', toDir, '--', ...batch], {
        cwd: fromDir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 4000) stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) return resolve();
        const message = `cp exited ${code}: ${stderr.trim().slice(0, 500)}`;
        reject(
          /No space left on device|Disk quota exceeded/i.test(stderr)
            ? new NoSpaceError(message)
            : new Error(message),
        );
      });
    });
  }
};
