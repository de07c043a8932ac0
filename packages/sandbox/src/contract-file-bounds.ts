import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from './sandbox.ts';
import { isSandboxFileError, type SandboxFileError } from './sandbox-file-error.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A file of `size` bytes that uses no disk (`truncate -s`), made on the host. */
function sparseFile(path: string, size: number): void {
  writeFileSync(path, '');
  truncateSync(path, size);
}

/** The rejection of `operation`, which must be a {@link SandboxFileError}, and how long it took. */
export async function fileError(
  operation: () => Promise<unknown>,
): Promise<{ error: SandboxFileError; ms: number }> {
  const started = performance.now();
  try {
    await operation();
  } catch (error) {
    if (!isSandboxFileError(error)) throw error;
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected a SandboxFileError, but the operation succeeded');
}

/**
 * Part of the shared contract: every byte the host takes from a sandbox is bounded. `get` returns
 * the running sandbox and its host workspace folder (files the agent could not make inside, such
 * as a 5 GB sparse file under a small disk limit, are made there).
 */
export function describeFileBounds(get: () => { sandbox: Sandbox; workspace: string }): void {
  describe('bounded reads and output', () => {
    it('reads a regular file through a symlink inside the workspace', async () => {
      const { sandbox } = get();
      await sandbox.writeFile('bounds/target.txt', 'through a link');
      expect((await sandbox.exec('ln -s target.txt bounds/link.txt')).exitCode).toBe(0);
      expect((await sandbox.readFile('bounds/link.txt')).toString()).toBe('through a link');
    });

    it('refuses a FIFO at once, without blocking on it', async () => {
      const { sandbox } = get();
      expect((await sandbox.exec('mkfifo bounds-fifo')).exitCode).toBe(0);
      const { error, ms } = await fileError(() => sandbox.readFile('bounds-fifo'));
      expect(error).toMatchObject({ code: 'not_regular', path: 'bounds-fifo' });
      expect(error.message).toContain('fifo');
      expect(ms).toBeLessThan(2000);
    });

    it('refuses a symlink to /dev/zero without reading it', async () => {
      const { sandbox } = get();
      expect((await sandbox.exec('ln -sf /dev/zero bounds-zero.txt')).exitCode).toBe(0);
      const { error, ms } = await fileError(() => sandbox.readFile('bounds-zero.txt'));
      // An isolated backend sees a character device; the local one refuses the path first, as it
      // leads outside the workspace. Either way no byte of it is read.
      expect(['not_regular', 'failed']).toContain(error.code);
      expect(ms).toBeLessThan(2000);
    });

    it('refuses a 5 GB sparse file at once, without reading it', async () => {
      const { sandbox, workspace } = get();
      sparseFile(join(workspace, 'bounds-sparse-5g.bin'), 5 * GiB);
      const { error, ms } = await fileError(() => sandbox.readFile('bounds-sparse-5g.bin'));
      expect(error).toMatchObject({ code: 'too_large', size: 5 * GiB, limit: 8 * MiB });
      expect(error.message).toContain(String(5 * GiB));
      expect(ms).toBeLessThan(1000);
    });

    it('reads a file exactly at maxBytes and refuses one byte over', async () => {
      const { sandbox } = get();
      await sandbox.writeFile('bounds/hundred-bytes.txt', 'x'.repeat(100));
      const exact = await sandbox.readFile('bounds/hundred-bytes.txt', { maxBytes: 100 });
      expect(exact.toString()).toBe('x'.repeat(100));
      const { error } = await fileError(() => sandbox.readFile('bounds/hundred-bytes.txt', { maxBytes: 99 }));
      expect(error).toMatchObject({ code: 'too_large', size: 100, limit: 99 });
      expect((await sandbox.readFile('bounds/hundred-bytes.txt', { maxBytes: 0 }).catch((e) => e)).code).toBe(
        'too_large',
      );
    });

    it('answers is_directory for a folder and not_found for a missing file or dangling link', async () => {
      const { sandbox } = get();
      await sandbox.writeFile('bounds/folder/.keep', '');
      expect((await fileError(() => sandbox.readFile('bounds/folder'))).error.code).toBe('is_directory');
      expect((await fileError(() => sandbox.readFile('bounds/missing.txt'))).error).toMatchObject({
        code: 'not_found',
        path: 'bounds/missing.txt',
      });
      expect((await sandbox.exec('ln -s nowhere.txt bounds/dangling.txt')).exitCode).toBe(0);
      expect((await fileError(() => sandbox.readFile('bounds/dangling.txt'))).error.code).toBe('not_found');
    });

    it('kills a read that runs past timeoutMs', async () => {
      const { sandbox, workspace } = get();
      // 64 MiB cannot be read in 1 ms by any backend (a copy alone takes longer).
      sparseFile(join(workspace, 'bounds-sparse-64m.bin'), 64 * MiB);
      const { error, ms } = await fileError(() =>
        sandbox.readFile('bounds-sparse-64m.bin', { maxBytes: 64 * MiB, timeoutMs: 1 }),
      );
      expect(error).toMatchObject({ code: 'timeout', path: 'bounds-sparse-64m.bin' });
      expect(ms).toBeLessThan(2000);
    });

    it('refuses to write into a FIFO or over a folder, without blocking', async () => {
      const { sandbox } = get();
      expect((await sandbox.exec('mkfifo bounds-write-fifo')).exitCode).toBe(0);
      const fifo = await fileError(() => sandbox.writeFile('bounds-write-fifo', 'data'));
      expect(fifo.error.code).toBe('not_regular');
      expect(fifo.ms).toBeLessThan(2000);
      await sandbox.writeFile('bounds/over-folder/.keep', '');
      expect((await fileError(() => sandbox.writeFile('bounds/over-folder', 'data'))).error.code).toBe(
        'is_directory',
      );
    });

    it('caps stderr too: 100 MB printed there ends fast, cut', async () => {
      const { sandbox } = get();
      const started = performance.now();
      const result = await sandbox.exec('head -c 100000000 /dev/zero | tr "\\0" e >&2', {
        maxOutputBytes: 10_000,
      });
      expect(result.truncated).toBe(true);
      expect(result.killed).toBe('output_limit');
      expect(result.stderr.length).toBe(10_000);
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });
}
