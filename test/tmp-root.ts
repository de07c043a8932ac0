import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Free space and inodes a memory-backed folder must have to hold the abuse cases (a 2 GB file, a million files). */
const MIN_FREE_BYTES = 8 * 1024 ** 3;
const MIN_FREE_INODES = 2_000_000;

export interface TestTmpRoots {
  /** Every temporary folder of the run (TMPDIR of the workers and what they start). */
  dir: string;
  /** A memory-backed folder for the state folders of the abuse cases, when the machine has one with room. */
  memoryDir: string | undefined;
  remove(): void;
}

/**
 * Where one test run keeps its temporary folders: fresh folders that the run's teardown removes
 * whole, so no run leaves state folders, remotes or workspaces behind.
 *
 * `dir` is under `ABCA_TEST_TMPDIR` when set, else the system's temporary folder. `memoryDir` is
 * under `/dev/shm` when that is memory-backed, has room, and lets files run (not `noexec`): the
 * abuse cases put their state folders there (test/support/abuse-world.ts), which saves the suite
 * about a minute of kernel time on the case that makes a million files (the 2-core machine: 122 →
 * 61 CPU-seconds for that case). Only they: a path under `/dev` cannot be bound at the same path
 * inside a sandbox (its `/dev` is its own), which the sandbox's own tests do. Both folders are
 * traversable by others (0711), as the embedded PostgreSQL's own user must reach a state folder.
 */
export function makeTestTmpRoots(env: Record<string, string | undefined>): TestTmpRoots {
  const dir = mkdtempSync(join(env.ABCA_TEST_TMPDIR || tmpdir(), 'abca-test-run-'));
  chmodSync(dir, 0o711);
  const memoryDir = memoryFolderFits('/dev/shm') ? mkdtempSync('/dev/shm/abca-test-run-') : undefined;
  if (memoryDir) chmodSync(memoryDir, 0o711);
  return {
    dir,
    memoryDir,
    remove: () => {
      for (const d of [dir, memoryDir]) if (d) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

function memoryFolderFits(path: string): boolean {
  try {
    const fs = statfsSync(path);
    if (fs.type !== 0x01021994 /* TMPFS_MAGIC */) return false;
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES || fs.ffree < MIN_FREE_INODES) return false;
    // A folder mounted noexec would break the cases that run scripts from their workspaces.
    const probe = mkdtempSync(join(path, 'abca-probe-'));
    try {
      writeFileSync(join(probe, 'run.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      execFileSync(join(probe, 'run.sh'), { stdio: 'ignore' });
      return true;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  } catch {
    return false;
  }
}
