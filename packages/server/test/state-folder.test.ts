import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedLocation, resetStateFolder, stateFolderTraces } from '../src/storage/state-folder-reset.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Everything under the state folder: the embedded database's data lives in it, as root too (the
 * folder is opened to the postgres user for traversal only); where a folder above it is closed to
 * that user, the data goes to /var/lib/abca and the folder records where. A reset removes both.
 */
const root = process.getuid?.() === 0;
const postgresUid = root ? Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout) : -1;
const base = {
  ABCA_PORT: '0',
  DATABASE_URL: '',
  ABCA_RECONCILE_MS: '200',
  ABCA_AGENT_RUNTIME: 'fake',
  ABCA_NOTIFIER: 'fake',
};
const procs: PlatformProcess[] = [];
const cleanup: string[] = [];

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM');
  for (const dir of cleanup) {
    const elsewhere = existsSync(dir) ? recordedLocation(dir) : undefined;
    if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

function pgPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the embedded database in the state folder', () => {
  it('keeps its data inside the state folder, without opening the key files', async () => {
    const home = mkdtempSync(join(tmpdir(), 'abca-state-'));
    cleanup.push(home);
    const serve = await spawnPlatform('serve', { ...base, ABCA_HOME: home });
    procs.push(serve);
    expect(existsSync(join(home, 'pg', 'data', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(home, 'pg', 'LOCATION'))).toBe(false);
    expect(readFileSync(join(home, 'pg', 'data', 'postmaster.pid'), 'utf8')).toContain(
      join(home, 'pg', 'data'),
    );
    for (const file of ['admin.key', 'secret.key', 'pg-password', 'server.json'])
      expect(statSync(join(home, file)).mode & 0o777, file).toBe(0o600);
    if (root) {
      // Traversal for the postgres group only: no listing, nothing for other users.
      const st = statSync(home);
      expect(st.mode & 0o777).toBe(0o710);
      expect(st.gid).toBe(Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout));
      const asPostgres = (args: string[]) =>
        spawnSync(args[0] as string, args.slice(1), { uid: postgresUid });
      expect(asPostgres(['cat', join(home, 'admin.key')]).status).not.toBe(0);
      expect(asPostgres(['cat', join(home, 'secret.key')]).status).not.toBe(0);
      expect(asPostgres(['ls', home]).status).not.toBe(0);
    }
    // A second server on the same folder is refused; the first keeps its server.json.
    await expect(spawnPlatform('serve', { ...base, ABCA_HOME: home })).rejects.toThrow(
      /already running on the state folder/,
    );
    expect(JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')).pid).toBe(serve.child.pid);
    expect(stateFolderTraces(home).running.map((r) => r.pid)).toContain(serve.child.pid);
    await expect(resetStateFolder(home)).rejects.toThrow(/stop it first/);
    await serve.kill('SIGTERM');
    procs.pop();
    expect(existsSync(join(home, 'server.json'))).toBe(false);
    expect(await resetStateFolder(home)).toEqual([home]);
    expect(existsSync(home)).toBe(false);
  }, 180_000);

  it.runIf(root)(
    'goes to /var/lib/abca when a folder above is closed, records where, and a reset after a SIGKILL removes it all',
    async () => {
      const closed = mkdtempSync(join(tmpdir(), 'abca-closed-'));
      chmodSync(closed, 0o700);
      cleanup.push(closed);
      const home = join(closed, 'state');
      mkdirSync(home, { mode: 0o700 });
      const serve = await spawnPlatform('serve', { ...base, ABCA_HOME: home });
      procs.push(serve);
      const elsewhere = recordedLocation(home);
      expect(elsewhere).toMatch(/^\/var\/lib\/abca\/data-[0-9a-f]+$/);
      expect(existsSync(join(elsewhere as string, 'data', 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(home, 'pg', 'data'))).toBe(false);
      // The attempt to open the folder was undone: it is as private as before.
      expect(statSync(home).mode & 0o777).toBe(0o700);
      expect(statSync(home).gid).toBe(0);
      // A SIGKILL leaves PostgreSQL running; the reset stops it and removes both places.
      await serve.kill('SIGKILL');
      procs.pop();
      const postmaster = pgPid(join(elsewhere as string, 'data'));
      expect(alive(postmaster)).toBe(true);
      expect(stateFolderTraces(home).paths).toEqual([home, elsewhere]);
      expect(await resetStateFolder(home)).toEqual([home, elsewhere]);
      expect(existsSync(home)).toBe(false);
      expect(existsSync(elsewhere as string)).toBe(false);
      const deadline = Date.now() + 30_000;
      while (alive(postmaster) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(postmaster)).toBe(false);
    },
    180_000,
  );
});
