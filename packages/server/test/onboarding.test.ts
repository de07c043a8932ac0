import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONBOARDING_FAILURES, type OnboardingFailureCode, RepoWriteResponse } from '@abca/contracts';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Onboarding checks the remote before storing a repo: each way a remote can be wrong is a `422`
 * with its code and a remedy naming the flag that fixes it, and nothing is stored; `verify=false`
 * stores it with a warning. A real platform on a server with no GitHub configured; the plain-git
 * http remotes are the fake GitHub's git server, which checks tokens.
 */
let p: TestPlatform;
let gh: FakeGitHub;
const TOKEN = 'tok-onboarding-reader-5f2a9c';
const WRONG = 'tok-onboarding-wrong-77d1e0';
const VERIFY_TIMEOUT_S = 3;

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app', private: true }],
    tokens: { [TOKEN]: { login: 'reader', permissions: 'read' } },
  });
  p = await startTestPlatform({ ABCA_ONBOARD_VERIFY_TIMEOUT_S: String(VERIFY_TIMEOUT_S) });
});

afterAll(async () => {
  await p?.platform.stop();
  await gh?.close();
});

const post = (body: Record<string, unknown>, query = '') => p.request('POST', `/v1/repos${query}`, { body });

/** The 422 of `code`, with the catalogue's remedy (the flag to fix it), and the repo not stored. */
async function refused(
  res: Awaited<ReturnType<TestPlatform['request']>>,
  code: OnboardingFailureCode,
  repo: string,
  opts: { flag: string; github?: boolean },
) {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.error.code).toBe(code);
  const kind: { remedy: string; githubRemedy?: string } = ONBOARDING_FAILURES[code];
  expect(res.body.error.remedy).toBe(opts.github ? kind.githubRemedy : kind.remedy);
  expect(res.body.error.remedy).toContain(opts.flag);
  expect((await p.request('GET', `/v1/repos/${encodeURIComponent(repo)}`)).status).toBe(404);
  return res.body.error.message as string;
}

/** A bare repository whose HEAD is `branch`, with one commit. */
function bareRemote(branch: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-onboard-remote-'));
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], { cwd: dir });
  run('init', '-q', '-b', branch, 'work');
  run('-C', 'work', 'commit', '-q', '--allow-empty', '-m', 'First');
  run('clone', '-q', '--bare', 'work', 'remote.git');
  return join(dir, 'remote.git');
}

describe('onboarding refuses a remote it cannot use', () => {
  it('a path with no repository: REMOTE_NOT_FOUND', async () => {
    const path = join(tmpdir(), 'abca-no-such-dir', 'repo.git');
    const res = await post({ repo: 'nopath', forge: { kind: 'git', url: path } });
    await refused(res, 'REMOTE_NOT_FOUND', 'nopath', { flag: '--git-url' });
  });

  it('something that is not a URL: REMOTE_INVALID', async () => {
    const res = await post({ repo: 'noturl', forge: { kind: 'git', url: 'not a url at all' } });
    const message = await refused(res, 'REMOTE_INVALID', 'noturl', { flag: '--git-url' });
    expect(message).not.toContain('not a url at all');
  });

  it('a GitHub repo on a server with no GitHub credentials: FORGE_NOT_CONFIGURED', async () => {
    const res = await post({ repo: 'octo/cat' });
    const message = await refused(res, 'FORGE_NOT_CONFIGURED', 'octo/cat', { flag: '--git-url' });
    expect(message).toContain("'github' forge");
    expect(res.body.error.remedy).toContain('ABCA_GITHUB_TOKEN');
  });

  it('a plain-git http remote refusing the token: REMOTE_AUTH_FAILED, the token in no answer', async () => {
    const url = gh.gitUrl('acme', 'app');
    const viaField = await post({
      repo: 'wrongtok',
      forge: { kind: 'git', url },
      credential: { token: WRONG },
    });
    await refused(viaField, 'REMOTE_AUTH_FAILED', 'wrongtok', { flag: '--git-token-stdin' });
    const viaUrl = await post({
      repo: 'wrongurl',
      forge: { kind: 'git', url: url.replace('://', `://bot:${WRONG}@`) },
    });
    await refused(viaUrl, 'REMOTE_AUTH_FAILED', 'wrongurl', { flag: '--git-token-env' });
    const none = await post({ repo: 'notok', forge: { kind: 'git', url } });
    await refused(none, 'REMOTE_AUTH_FAILED', 'notok', { flag: '--git-token-stdin' });
    for (const res of [viaField, viaUrl]) {
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(Buffer.from(`x-access-token:${WRONG}`).toString('base64'));
    }
  });

  it('a named default branch the remote lacks: DEFAULT_BRANCH_NOT_FOUND, naming the one it has', async () => {
    const url = bareRemote('trunk');
    const res = await post({
      repo: 'nobranch',
      forge: { kind: 'git', url },
      settings: { default_branch: 'main' },
    });
    const message = await refused(res, 'DEFAULT_BRANCH_NOT_FOUND', 'nobranch', { flag: '--default-branch' });
    expect(message).toContain("'trunk'");
  });

  it('fake forge repos meet the same checks: unreachable, not pushable, no remote', async () => {
    await refused(
      await post({ repo: 'fake-unreachable/x', forge: { kind: 'fake' } }),
      'REMOTE_UNREACHABLE',
      'fake-unreachable/x',
      {
        flag: '--no-verify',
      },
    );
    await refused(
      await post({ repo: 'fake-readonly/x', forge: { kind: 'fake' } }),
      'PUSH_NOT_ALLOWED',
      'fake-readonly/x',
      {
        flag: '--no-verify',
      },
    );
    await refused(
      await post({ repo: 'fake-missing/x', forge: { kind: 'fake' } }),
      'REMOTE_NOT_FOUND',
      'fake-missing/x',
      {
        flag: '--git-url',
      },
    );
  });

  it('a remote that never answers: REMOTE_TIMEOUT within the configured wait, not a hung request', async () => {
    gh.fail({ path: '/acme/app.git/info/refs' }, 'hang');
    const started = Date.now();
    const res = await post({
      repo: 'hangs',
      forge: { kind: 'git', url: gh.gitUrl('acme', 'app') },
      credential: { token: TOKEN },
    });
    const elapsed = Date.now() - started;
    gh.clearFaults();
    await refused(res, 'REMOTE_TIMEOUT', 'hangs', { flag: '--no-verify' });
    expect(res.body.error.message).toContain(`${VERIFY_TIMEOUT_S} s`);
    expect(elapsed).toBeGreaterThanOrEqual(VERIFY_TIMEOUT_S * 1000 - 100);
    expect(elapsed).toBeLessThan(VERIFY_TIMEOUT_S * 1000 + 20_000);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('refuses a bad verify flag', async () => {
    const res = await post({ repo: 'flag', forge: { kind: 'fake' } }, '?verify=maybe');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'verify', message: 'must be true or false' }]);
  });
});

describe('onboarding stores what it verified', () => {
  it("finds and stores the remote's default branch; plain git says push is not checked", async () => {
    const res = await post({ repo: 'trunky', forge: { kind: 'git', url: bareRemote('trunk') } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const body = RepoWriteResponse.parse(res.body);
    expect(body.data.settings.default_branch).toBe('trunk');
    expect(body.verification).toEqual({
      verified: true,
      default_branch: 'trunk',
      default_branch_discovered: true,
      push: 'unknown',
    });
    expect(body.warnings.map((w) => w.code)).toEqual(['PUSH_NOT_CHECKED']);
  });

  it('an http remote with a token that reads it, and a fake repo', async () => {
    const http = await post({
      repo: 'goodtok',
      forge: { kind: 'git', url: gh.gitUrl('acme', 'app') },
      credential: { token: TOKEN },
      settings: { default_branch: 'main' },
    });
    expect(http.status, JSON.stringify(http.body)).toBe(201);
    expect(http.body.verification).toMatchObject({
      verified: true,
      default_branch: 'main',
      default_branch_discovered: false,
    });
    expect(http.body.data.credential).toMatchObject({ token: '[redacted]' });
    const fake = await post({ repo: 'acme/fine', forge: { kind: 'fake' } });
    expect(fake.status, JSON.stringify(fake.body)).toBe(201);
    expect(fake.body.verification).toMatchObject({ verified: true, push: 'allowed', default_branch: 'main' });
    expect(fake.body.warnings).toEqual([]);
  });

  it('verify=false (query or body) stores an unreachable remote with a NOT_VERIFIED warning', async () => {
    const path = join(tmpdir(), 'abca-no-such-dir', 'offline.git');
    const viaQuery = await post({ repo: 'offline-q', forge: { kind: 'git', url: path } }, '?verify=false');
    const viaBody = await post({ repo: 'offline-b', forge: { kind: 'git', url: path }, verify: false });
    for (const res of [viaQuery, viaBody]) {
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const body = RepoWriteResponse.parse(res.body);
      expect(body.warnings.map((w) => w.code)).toEqual(['NOT_VERIFIED']);
      expect(body.verification?.verified).toBe(false);
      expect(body.data.settings.default_branch).toBeUndefined();
    }
    const github = await post({ repo: 'octo/offline', verify: false });
    expect(github.status).toBe(201);
    const disagree = await post(
      { repo: 'offline-x', forge: { kind: 'fake' }, verify: true },
      '?verify=false',
    );
    expect(disagree.status).toBe(400);
  });

  it('a second add of the same repo is refused at once, before the remote is asked', async () => {
    const res = await post({ repo: 'offline-q', forge: { kind: 'git', url: 'not a url at all' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('already onboarded');
  });
});

describe('PATCH verifies a move, not a settings change', () => {
  it('a new remote is checked (and refused without a change), settings alone are not', async () => {
    const url = bareRemote('main');
    expect((await post({ repo: 'mover', forge: { kind: 'git', url } })).status).toBe(201);
    const gone = join(tmpdir(), 'abca-no-such-dir', 'moved.git');
    const moved = await p.request('PATCH', '/v1/repos/mover', {
      body: { forge: { kind: 'git', url: gone } },
    });
    expect(moved.status).toBe(422);
    expect(moved.body.error.code).toBe('REMOTE_NOT_FOUND');
    expect(moved.body.error.remedy).toContain('--git-url');
    expect((await p.request('GET', '/v1/repos/mover')).body.data.forge.url).toBe(url);

    const badBranch = await p.request('PATCH', '/v1/repos/mover', {
      body: { settings: { default_branch: 'nope' } },
    });
    expect(badBranch.status).toBe(422);
    expect(badBranch.body.error.code).toBe('DEFAULT_BRANCH_NOT_FOUND');

    const offline = await p.request('PATCH', '/v1/repos/mover?verify=false', {
      body: { forge: { kind: 'git', url: gone } },
    });
    expect(offline.status).toBe(200);
    expect(offline.body.warnings.map((w: { code: string }) => w.code)).toEqual(['NOT_VERIFIED']);
    // The remote is gone now; a settings change is still accepted, unchecked.
    const settings = await p.request('PATCH', '/v1/repos/mover', {
      body: { settings: { test_command: 'npm test' } },
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    expect(settings.body.verification.verified).toBe(false);
    expect(settings.body.warnings).toEqual([]);
    expect(settings.body.data.settings.test_command).toBe('npm test');
  });

  it('a new token is checked against the remote', async () => {
    const url = gh.gitUrl('acme', 'app');
    const added = await post({ repo: 'rotates', forge: { kind: 'git', url }, credential: { token: TOKEN } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const wrong = await p.request('PATCH', '/v1/repos/rotates', { body: { credential: { token: WRONG } } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('REMOTE_AUTH_FAILED');
    expect(JSON.stringify(wrong.body)).not.toContain(WRONG);
    // The stored token is kept, and a default-branch change is checked with it.
    const branch = await p.request('PATCH', '/v1/repos/rotates', {
      body: { settings: { default_branch: 'main' } },
    });
    expect(branch.status, JSON.stringify(branch.body)).toBe(200);
    expect(branch.body.verification).toMatchObject({ verified: true, default_branch: 'main' });
  });
});
