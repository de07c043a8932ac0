import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diskUsage, startDiskWatch } from './disk-watch.ts';

const waitFor = async (cond: () => boolean, what: string, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the workspace disk watch', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });

  it('measures a folder with du: its bytes, and its files and folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abca-du-'));
    try {
      writeFileSync(join(dir, 'a'), Buffer.alloc(64 * 1024));
      for (let i = 0; i < 50; i++) writeFileSync(join(dir, `empty-${i}`), '');
      const usage = await diskUsage(dir);
      expect(usage?.bytes).toBeGreaterThanOrEqual(64 * 1024);
      // The folder itself, the 64 KiB file and the 50 empty ones (which use no bytes).
      expect(usage?.files).toBe(52);
      expect(await diskUsage(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks nothing until a command runs, and nothing while none runs', async () => {
    let checks = 0;
    const watch = startDiskWatch({
      dir: '/nowhere',
      limitBytes: 100,
      limitFiles: 100,
      minIntervalMs: 5,
      measure: async () => {
        checks += 1;
        return { bytes: 10, files: 1 };
      },
      onExceeded: () => {},
    });
    stops.push(() => watch.stop());
    // Idle: no timer is pending, so however long it waits there is no check.
    await new Promise((r) => setTimeout(r, 100));
    expect(checks).toBe(0);
    watch.resume();
    await waitFor(() => checks >= 3, 'checks while a command runs');
    watch.pause();
    // A check in flight may still finish: wait until the count settles, then it stays.
    await new Promise((r) => setTimeout(r, 50));
    const paused = checks;
    await new Promise((r) => setTimeout(r, 100));
    expect(checks).toBe(paused);
    watch.resume();
    await waitFor(() => checks > paused, 'checks again once the next command runs');
  });

  it('fires on growth over the limit, including growth made while paused', async () => {
    let usage = 50;
    const fired: number[] = [];
    const watch = startDiskWatch({
      dir: '/nowhere',
      limitBytes: 100,
      limitFiles: 100,
      minIntervalMs: 5,
      measure: async () => ({ bytes: usage, files: 1 }),
      onExceeded: (u, over) => {
        expect(over).toBe('bytes');
        fired.push(u.bytes);
      },
    });
    stops.push(() => watch.stop());
    watch.resume();
    await new Promise((r) => setTimeout(r, 30));
    usage = 150;
    await waitFor(() => fired.length > 0, 'the limit to fire');
    expect(fired[0]).toBe(150);
    watch.pause();
    // A background process grows the workspace between commands: the next command's check sees it.
    usage = 300;
    const before = fired.length;
    watch.resume();
    await waitFor(() => fired.includes(300), 'growth made while paused to fire');
    expect(fired.length).toBeGreaterThan(before);
  });

  it('takes its baseline first: a workspace already over the limit fires only when it grows', async () => {
    let usage = 500;
    const fired: number[] = [];
    let checks = 0;
    const watch = startDiskWatch({
      dir: '/nowhere',
      limitBytes: 100,
      limitFiles: 100,
      minIntervalMs: 5,
      measure: async () => {
        checks += 1;
        return { bytes: usage, files: 1 };
      },
      onExceeded: (u) => fired.push(u.bytes),
    });
    stops.push(() => watch.stop());
    watch.resume();
    await waitFor(() => checks >= 3, 'a few checks');
    expect(fired).toEqual([]);
    usage = 600;
    await waitFor(() => fired.length > 0, 'growth to fire');
  });

  it('fires on files and folders over their limit while the bytes stay small (empty files)', async () => {
    let files = 10;
    const fired: Array<[number, string]> = [];
    const watch = startDiskWatch({
      dir: '/nowhere',
      limitBytes: 1_000_000,
      limitFiles: 100,
      minIntervalMs: 5,
      measure: async () => ({ bytes: 4096, files }),
      onExceeded: (u, over) => fired.push([u.files, over]),
    });
    stops.push(() => watch.stop());
    watch.resume();
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toEqual([]);
    files = 150;
    await waitFor(() => fired.length > 0, 'the file limit to fire');
    expect(fired[0]).toEqual([150, 'files']);
    // Deleting files to get back under the limit is not growth: nothing more fires.
    files = 120;
    const before = fired.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(fired.length).toBe(before);
  });
});
