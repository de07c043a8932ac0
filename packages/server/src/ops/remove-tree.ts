import { lstat } from 'node:fs/promises';
import type { HostProcesses } from './host-processes.ts';

/**
 * Removes a folder a sandbox may have written, however it is shaped: `rm -rf --one-file-system`
 * walks trees deeper than PATH_MAX and never follows a link out of it, where a recursive removal
 * by path would fail on a deep tree. A missing folder is fine.
 */
export async function removeTree(
  processes: HostProcesses,
  dir: string,
  timeoutMs = 15 * 60_000,
): Promise<void> {
  if (!(await lstat(dir).catch(() => undefined))) return;
  const res = await processes.run(['rm', '-rf', '--one-file-system', '--', dir], {
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
    timeoutMs,
    maxStdoutBytes: 4096,
  });
  if (res.code !== 0)
    throw new Error(`could not remove ${dir}: ${res.killed ?? res.stderr.trim().slice(-300)}`);
}
