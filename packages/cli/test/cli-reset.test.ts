import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from './support/cli.ts';

/**
 * `abca reset` removes every trace of a state folder, the embedded database's data included when
 * it had to live outside; it asks first and refuses while a server runs on the folder.
 */
const root = process.getuid?.() === 0;
const cleanup: string[] = [];

afterAll(() => {
  for (const dir of cleanup) {
    const location = join(dir, 'state', 'pg', 'LOCATION');
    const elsewhere = existsSync(location)
      ? /is in (\S+)/.exec(readFileSync(location, 'utf8'))?.[1]
      : undefined;
    if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('abca reset', () => {
  it('refuses while the server runs, asks, and then removes the folder and the database elsewhere', async () => {
    // Under a folder closed to other users, so that as root the data has to live outside.
    const parent = mkdtempSync(join(tmpdir(), 'abca-reset-'));
    chmodSync(parent, 0o700);
    cleanup.push(parent);
    const home = join(parent, 'state');
    mkdirSync(home, { mode: 0o700 });
    const env = { ABCA_HOME: home };
    const served = await startServe({ ABCA_HOME: home, DATABASE_URL: '' });
    // The banner may reach stderr in several writes: wait for its line about the database.
    for (const until = Date.now() + 30_000; !/database: .*\n/.test(served.stderr()); ) {
      if (Date.now() > until) throw new Error(`no database line in the banner:\n${served.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const elsewhere = root
      ? /data in (\/var\/lib\/abca\/data-[0-9a-f]+)\/data/.exec(served.stderr())?.[1]
      : undefined;
    if (root) {
      // The banner says where the database went, and why.
      expect(served.stderr()).toMatch(
        /outside the state folder, which the postgres user cannot reach; `abca reset` removes it too/,
      );
      expect(elsewhere && existsSync(elsewhere)).toBeTruthy();
    }

    const refused = await runCli(['reset', '--yes'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `Refusing to reset ${home}: the API server (abca serve) is running (pid ${served.child.pid})`,
    );
    expect(existsSync(join(home, 'admin.key'))).toBe(true);
    expect(await served.stop()).toBe(0);

    const unanswered = await runCli(['reset'], env);
    expect(unanswered.code).toBe(2);
    expect(unanswered.stderr).toContain('This removes, for good:');
    expect(unanswered.stderr).toContain('Nothing was removed');
    const declined = await runCli(['reset'], env, 45_000, 'no\n');
    expect(declined.code).toBe(2);
    expect(existsSync(join(home, 'admin.key'))).toBe(true);

    const confirmed = await runCli(['reset'], env, 45_000, 'yes\n');
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stderr).toContain(home);
    expect(existsSync(home)).toBe(false);
    if (elsewhere) {
      expect(confirmed.stderr).toContain(elsewhere);
      expect(existsSync(elsewhere)).toBe(false);
    }
    const again = await runCli(['reset', '--yes'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('Nothing to remove');
  }, 180_000);
});
