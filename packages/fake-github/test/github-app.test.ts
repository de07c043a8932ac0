import { generateKeyPairSync } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { gitOk, runGit, tempDir } from './support/git-client.ts';
import { failure, quiet } from './support/octokit.ts';

function pem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const privateKey = pem();
let gh: FakeGitHub;
const dirs: string[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [
      { owner: 'acme', name: 'app', private: true },
      { owner: 'acme', name: 'other', private: true },
    ],
    app: { appId: 123, privateKeyPem: privateKey, installationId: 456 },
  });
});

afterAll(async () => {
  await gh?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('GitHub App authentication', () => {
  it('exchanges a signed JWT for an installation token with @octokit/auth-app', async () => {
    const auth = createAppAuth({
      appId: 123,
      privateKey,
      installationId: 456,
      request: request.defaults({ baseUrl: gh.apiUrl }),
    });
    const installation = await auth({ type: 'installation' });
    expect(installation.token).toMatch(/^ghs_/);
    expect(Date.parse(installation.expiresAt)).toBeGreaterThan(Date.now() + 50 * 60 * 1000);
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v3/app/installations/456/access_tokens',
      status: 201,
      authorization: 'bearer-jwt',
    });

    const octokit = new Octokit({ auth: installation.token, baseUrl: gh.apiUrl });
    const repo = await octokit.rest.repos.get({ owner: 'acme', repo: 'app' });
    expect(repo.data.permissions).toMatchObject({ push: true, pull: true });
  });

  it('drives Octokit with authStrategy: createAppAuth, and the token clones and pushes', async () => {
    const octokit = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: 123, privateKey, installationId: 456 },
      baseUrl: gh.apiUrl,
    });
    const installation = await octokit.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'app' });
    expect(installation.data).toMatchObject({ id: 456, app_id: 123 });
    const number = gh.addIssue('acme', 'app', { title: 'Task' });
    await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      body: 'Working on it',
    });
    expect(gh.issueComments('acme', 'app', number)).toEqual([
      expect.objectContaining({ author: 'abca[bot]', body: 'Working on it' }),
    ]);

    const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
    const dir = await tempDir('fake-github-app-');
    dirs.push(dir);
    await gitOk(['clone', '--quiet', gh.gitUrl('acme', 'app'), dir], { token });
    await gitOk(['checkout', '--quiet', '-b', 'bot'], { cwd: dir });
    await writeFile(join(dir, 'bot.txt'), 'bot\n');
    await gitOk(['add', '.'], { cwd: dir });
    await gitOk(['commit', '--quiet', '-m', 'bot'], { cwd: dir });
    await gitOk(['push', '--quiet', 'origin', 'bot'], { cwd: dir, token });
    const { data: pull } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'app',
      head: 'bot',
      base: 'main',
      title: 'Bot',
    });
    expect(pull.user?.login).toBe('abca[bot]');
  });

  it('scopes a token to the repositories asked for', async () => {
    const auth = createAppAuth({ appId: 123, privateKey, request: request.defaults({ baseUrl: gh.apiUrl }) });
    const { token } = await auth({ type: 'installation', installationId: 456, repositoryNames: ['app'] });
    const octokit = new Octokit({ auth: token, baseUrl: gh.apiUrl, log: quiet });
    expect((await octokit.rest.repos.get({ owner: 'acme', repo: 'app' })).status).toBe(200);
    expect((await failure(octokit.rest.repos.get({ owner: 'acme', repo: 'other' }))).status).toBe(404);
    const dir = await tempDir('fake-github-app-');
    dirs.push(dir);
    const clone = await runGit(['clone', '--quiet', gh.gitUrl('acme', 'other'), dir], { token });
    expect(clone.code).not.toBe(0);
  });

  it('refuses a JWT signed by another key, an unknown installation, and a JWT on other endpoints', async () => {
    const impostor = createAppAuth({
      appId: 123,
      privateKey: pem(),
      installationId: 456,
      request: request.defaults({ baseUrl: gh.apiUrl, request: { log: quiet } }),
    });
    const forged = await failure(impostor({ type: 'installation' }));
    expect(forged.status).toBe(401);
    expect(gh.requests.at(-1)).toMatchObject({ status: 401, authorization: 'bearer-jwt' });

    const wrongInstallation = createAppAuth({
      appId: 123,
      privateKey,
      installationId: 999,
      request: request.defaults({ baseUrl: gh.apiUrl }),
    });
    expect((await failure(wrongInstallation({ type: 'installation' }))).status).toBe(404);

    const { token: jwt } = await createAppAuth({ appId: 123, privateKey })({ type: 'app' });
    const response = await fetch(`${gh.apiUrl}/user`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(response.status).toBe(403);
    const installationWithToken = await fetch(`${gh.apiUrl}/repos/acme/app/installation`, {
      headers: { authorization: 'token ghp_unknown' },
    });
    expect(installationWithToken.status).toBe(401);
  });
});
