import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFakeEnvCacheAdmin,
  type FakeEnvCacheAdmin,
} from '../../server/test/support/fake-env-cache-admin.ts';
import { startTestPlatform, type TestPlatform } from '../../server/test/support/platform.ts';
import { BIN, type CliResult, cliEnv, runCli, tempHome } from './support/cli.ts';

/**
 * `abca cache list|clear` as real child processes against a real API whose environment cache is a
 * fake (the cache itself is tested on its own): the table and its totals, JSON, a repo filter, a
 * clear that asks on a terminal and refuses without one unless --yes, and a member's refusal.
 */
let p: TestPlatform;
let cache: FakeEnvCacheAdmin;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  cache = createFakeEnvCacheAdmin({ maxBytes: 10 * 1024 ** 3 });
  p = await startTestPlatform({}, { apiOnly: true, envCache: cache });
  env = { ABCA_HOME: tempHome(), ABCA_URL: p.url, ABCA_API_KEY: p.adminKey };
});
afterAll(async () => {
  await p?.platform.stop();
});

function seed() {
  const recent = new Date(Date.now() - 5 * 60_000).toISOString();
  const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
  return {
    app: cache.add({
      repo: 'acme/app',
      key: `a1b2c3d4e5f6${'0'.repeat(52)}`,
      bytes: 150 * 1024 * 1024,
      files: 4210,
      hits: 7,
      last_used_at: recent,
      base_commit: `0123456789${'a'.repeat(30)}`,
      setup_command: 'npm ci\n\u001b[31mred',
    }),
    web: cache.add({ repo: 'acme/web', bytes: 2048, files: 3, hits: 0, last_used_at: old }),
  };
}

/** Runs `abca <args>` on a pseudo-terminal (util-linux `script`), answering `answer` to its question. */
function runOnTerminal(args: string[], answer: string): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: cliEnv(env), stdio: 'pipe' });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // Answer once the question is on the terminal, not on a timer.
    if (/Type "yes"/.test(stdout) && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`abca ${args.join(' ')} on a terminal took too long:\n${stdout}`));
    }, 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: '' });
    });
  });
}

describe('abca cache', () => {
  it('lists the snapshots as a table with totals beside the cap, as JSON, and by repo', async () => {
    const { app, web } = seed();
    const list = await abca('cache', 'list');
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REPO\s+KEY\s+SIZE\s+FILES\s+HITS\s+LAST USED\s+BASE\s+SETUP$/);
    // Most recently used first; the setup command is repo input: one line, no escape sequences.
    expect(lines[1]).toMatch(
      /^acme\/app\s+a1b2c3d4e5f6\s+150\.0 MB\s+4210\s+7\s+5m ago\s+0123456789\s+npm ci \[31mred$/,
    );
    expect(lines[2]).toMatch(/^acme\/web\s+\S{12}\s+2\.0 KB\s+3\s+0\s+3h ago\s/);
    expect(list.stdout).not.toContain('\u001b');
    expect(lines.at(-1)).toBe('2 snapshots, 150.0 MB of a 10.0 GB cap (least recently used go first).');

    const json = await abca('cache', 'list', '--json');
    const parsed = JSON.parse(json.stdout);
    expect(parsed.entries.map((e: { key: string }) => e.key)).toEqual([app.key, web.key]);
    expect(parsed).toMatchObject({
      total_bytes: app.bytes + web.bytes,
      max_bytes: 10 * 1024 ** 3,
      enabled: true,
    });

    const one = await abca('cache', 'list', '--repo', 'acme/web');
    expect(one.stdout).not.toContain('acme/app');
    expect(one.stdout).toContain('1 snapshot, 2.0 KB of a 10.0 GB cap');
    const bad = await abca('cache', 'list', '--repo', 'a/b/c');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/query\.repo/);
  });

  it('clears only after a "yes" on a terminal, refuses without one elsewhere, and says what went', async () => {
    await p.request('DELETE', '/v1/admin/env-cache');
    const { app } = seed();

    // No terminal, no --yes: nothing is removed, and the message says how to go on.
    const refused = await abca('cache', 'clear', '--repo', 'acme/app');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Not clearing 1 snapshot of acme/app without a confirmation');
    expect(refused.stderr).toContain('--yes');
    expect(await cache.list()).toHaveLength(2);

    const declined = await runOnTerminal(['cache', 'clear', '--repo', 'acme/app'], 'no');
    expect(declined.code).toBe(2);
    expect(declined.stdout).toContain('This removes 1 snapshot of acme/app (150.0 MB)');
    expect(declined.stdout).toContain('Nothing was removed');
    expect(await cache.list()).toHaveLength(2);

    const accepted = await runOnTerminal(['cache', 'clear', '--repo', 'acme/app'], 'yes');
    expect(accepted.code, accepted.stdout).toBe(0);
    expect(accepted.stdout).toContain(
      'Removed 1 snapshot of acme/app (150.0 MB): the next task on acme/app runs its setup again.',
    );
    expect((await cache.list()).map((e) => e.key)).not.toContain(app.key);

    const all = await abca('cache', 'clear', '--yes', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ removed: 1, bytes: 2048 });
    const empty = await abca('cache', 'clear');
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('Nothing to clear: no snapshots of every repo.');
    expect((await abca('cache', 'list')).stdout).toContain('No snapshots.');
  });

  it("refuses a member's key with exit 4, and clears nothing", async () => {
    seed();
    const member = await p.userKey('dev');
    const res = await runCli(['cache', 'clear', '--yes'], { ...env, ABCA_API_KEY: member });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('This needs an admin API key.');
    expect(await cache.list()).toHaveLength(2);
  });
});
