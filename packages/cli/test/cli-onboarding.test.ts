import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONBOARDING_FAILURES, RepoInfo } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { EXIT } from '../src/exit-codes.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca repos add` against a real server (no GitHub configured): a remote the server refuses
 * prints the error code and the remedy naming the flag, and exits with EXIT.USAGE (the API's 422);
 * `--no-verify` onboards with the server's warning printed.
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);
const GONE = join(tmpdir(), 'abca-cli-no-such-dir', 'repo.git');

function bareRemote(): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-cli-onboard-'));
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], { cwd: dir });
  run('init', '-q', '-b', 'main', 'work');
  run('-C', 'work', 'commit', '-q', '--allow-empty', '-m', 'First');
  run('clone', '-q', '--bare', 'work', 'remote.git');
  return join(dir, 'remote.git');
}

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('clionboard') });
  env = { ABCA_HOME: served.home };
});

afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

describe.concurrent('abca repos add verifies the remote', () => {
  it('prints the code and the remedy, and exits 2, for each remote it refuses', async () => {
    const [path, url, github] = await Promise.all([
      abca('repos', 'add', 'nopath', '--git-url', GONE),
      abca('repos', 'add', 'noturl', '--git-url', 'not a url at all'),
      abca('repos', 'add', 'octo/cat'),
    ]);
    const cases = [
      [path, 'REMOTE_NOT_FOUND', '--git-url'],
      [url, 'REMOTE_INVALID', '--git-url'],
      [github, 'FORGE_NOT_CONFIGURED', '--no-verify'],
    ] as const;
    for (const [r, code, flag] of cases) {
      expect(r.code, r.stderr).toBe(EXIT.USAGE);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`Error ${code}:`);
      expect(r.stderr).toContain(ONBOARDING_FAILURES[code].remedy);
      expect(r.stderr).toContain(flag);
      expect(r.stderr).not.toContain('Onboarded');
    }
    const list = await abca('repos', 'list', '--json');
    const names = (JSON.parse(list.stdout) as unknown[]).map((r) => RepoInfo.parse(r).repo);
    expect(names).not.toContain('nopath');
  }, 240_000);

  it('--json puts the code and remedy in the error object on stderr', async () => {
    const r = await abca('repos', 'add', 'nopath-json', '--git-url', GONE, '--json');
    expect(r.code).toBe(EXIT.USAGE);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: {
        code: 'REMOTE_NOT_FOUND',
        hint: ONBOARDING_FAILURES.REMOTE_NOT_FOUND.remedy,
        exit_code: EXIT.USAGE,
      },
    });
  }, 240_000);

  it('--no-verify onboards and prints the warning; a verified add says what it found', async () => {
    const offline = await abca('repos', 'add', 'offline', '--git-url', GONE, '--no-verify');
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('Onboarded offline.');
    expect(offline.stderr).toMatch(/Warning NOT_VERIFIED: Stored without checking the remote/);

    const good = await abca('repos', 'add', 'good', '--git-url', bareRemote());
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(
      /^verified:\s+remote reachable, default branch main \(the remote's default\), push not checked$/m,
    );
    expect(good.stderr).toContain('Warning PUSH_NOT_CHECKED:');

    const moved = await abca('repos', 'update', 'good', '--git-url', GONE);
    expect(moved.code).toBe(EXIT.USAGE);
    expect(moved.stderr).toContain('Error REMOTE_NOT_FOUND:');
    expect(moved.stderr).toContain(ONBOARDING_FAILURES.REMOTE_NOT_FOUND.remedy);
    const forced = await abca('repos', 'update', 'good', '--git-url', GONE, '--no-verify');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('Warning NOT_VERIFIED:');
    // Each CLI run takes seconds on a busy machine; five in a row.
  }, 240_000);
});
