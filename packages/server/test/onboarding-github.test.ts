import { ONBOARDING_FAILURES, RepoWriteResponse } from '@abca/contracts';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Onboarding a GitHub repo on a server whose GitHub token the fake GitHub checks: a token it
 * refuses, one that may only read, a repo it cannot see and a missing branch each get their 422
 * and the GitHub remedy (the token is the server's); a good token stores the repo's own default
 * branch. The token is granted on the fake while the server runs.
 */
let p: TestPlatform;
let gh: FakeGitHub;
const SERVER_TOKEN = 'ghp_onboardingServerToken0123456789ab';

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'web', defaultBranch: 'trunk', private: true }],
  });
  p = await startTestPlatform({ ABCA_GITHUB_TOKEN: SERVER_TOKEN, ABCA_GITHUB_API_URL: gh.apiUrl });
});

afterAll(async () => {
  await p?.platform.stop();
  await gh?.close();
});

const add = (body: Record<string, unknown>) => p.request('POST', '/v1/repos', { body });

describe.sequential('onboarding a GitHub repo', () => {
  it('a token GitHub refuses: REMOTE_AUTH_FAILED with the server-side remedy, the token in no answer', async () => {
    const res = await add({ repo: 'acme/web' });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('REMOTE_AUTH_FAILED');
    expect(res.body.error.remedy).toBe(ONBOARDING_FAILURES.REMOTE_AUTH_FAILED.githubRemedy);
    expect(res.body.error.remedy).toContain('ABCA_GITHUB_TOKEN');
    expect(res.body.error.message).toContain('Bad credentials');
    expect(JSON.stringify(res.body)).not.toContain(SERVER_TOKEN);
    expect((await p.request('GET', '/v1/repos/acme/web')).status).toBe(404);
  });

  it('a token that may only read: PUSH_NOT_ALLOWED', async () => {
    gh.addToken(SERVER_TOKEN, { login: 'rita', permissions: 'read' });
    const res = await add({ repo: 'acme/web' });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('PUSH_NOT_ALLOWED');
    expect(res.body.error.remedy).toBe(ONBOARDING_FAILURES.PUSH_NOT_ALLOWED.githubRemedy);
    expect(res.body.error.remedy).toContain('--no-verify');
  });

  it('a repo the token cannot see, and a branch it does not have', async () => {
    gh.addToken(SERVER_TOKEN, { login: 'abca-bot', permissions: 'write' });
    const missing = await add({ repo: 'acme/nope' });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('REMOTE_NOT_FOUND');
    expect(missing.body.error.remedy).toBe(ONBOARDING_FAILURES.REMOTE_NOT_FOUND.githubRemedy);
    const branch = await add({ repo: 'acme/web', settings: { default_branch: 'main' } });
    expect(branch.status).toBe(422);
    expect(branch.body.error.code).toBe('DEFAULT_BRANCH_NOT_FOUND');
    expect(branch.body.error.message).toContain("'trunk'");
    expect(branch.body.error.remedy).toContain('--default-branch');
  });

  it("a good token: stored with GitHub's default branch, push allowed, no warning", async () => {
    const res = await add({ repo: 'acme/web' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const body = RepoWriteResponse.parse(res.body);
    expect(body.data.settings.default_branch).toBe('trunk');
    expect(body.verification).toEqual({
      verified: true,
      default_branch: 'trunk',
      default_branch_discovered: true,
      push: 'allowed',
    });
    expect(body.warnings).toEqual([]);
  });
});
