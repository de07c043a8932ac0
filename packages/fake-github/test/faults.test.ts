import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { runGit, tempDir } from './support/git-client.ts';
import { failure, octokitFor } from './support/octokit.ts';

let gh: FakeGitHub;

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app' }],
    tokens: { writer: { login: 'alice', permissions: 'write' } },
  });
});

afterAll(() => gh?.close());

const repo = { owner: 'acme', repo: 'app' };

describe('fault injection', () => {
  it.each([403, 404, 422, 500, 502, 503] as const)(
    'surfaces an injected %i in Octokit, once',
    async (status) => {
      const octokit = octokitFor(gh.apiUrl, 'writer');
      gh.fail({ method: 'GET', path: '/repos/acme/app' }, { status });
      const error = await failure(octokit.rest.repos.get(repo));
      expect(error.status).toBe(status);
      expect(gh.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v3/repos/acme/app', status });
      expect((await octokit.rest.repos.get(repo)).status).toBe(200);
    },
  );

  it('fails the next N matching requests only, by method and RegExp', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    gh.fail(
      { method: 'POST', path: /\/pulls$/, times: 2 },
      { status: 502, body: { message: 'Server Error' } },
    );
    expect((await octokit.rest.pulls.list(repo)).status).toBe(200);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await failure(
        octokit.rest.pulls.create({ ...repo, head: 'x', base: 'main', title: 'x' }),
      );
      expect(error.status).toBe(502);
      expect(error.response.data).toEqual({ message: 'Server Error' });
    }
    const third = await failure(octokit.rest.pulls.create({ ...repo, head: 'x', base: 'main', title: 'x' }));
    expect(third.status).toBe(422);
  });

  it('passes custom headers', async () => {
    gh.fail({ path: '/user' }, { status: 503, headers: { 'retry-after': '7' } });
    const error = await failure(octokitFor(gh.apiUrl, 'writer').rest.users.getAuthenticated());
    expect(error.status).toBe(503);
    expect(error.response.headers['retry-after']).toBe('7');
  });

  it("'rate-limit' answers 403 with x-ratelimit-remaining 0 and a reset time", async () => {
    gh.fail({ path: '/repos/acme/app' }, 'rate-limit');
    const error = await failure(octokitFor(gh.apiUrl, 'writer').rest.repos.get(repo));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/rate limit exceeded/i);
    expect(error.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(error.response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it("'secondary-rate-limit' answers 429 with retry-after", async () => {
    gh.fail({ path: '/repos/acme/app' }, 'secondary-rate-limit');
    const error = await failure(octokitFor(gh.apiUrl, 'writer').rest.repos.get(repo));
    expect(error.status).toBe(429);
    expect(error.response.headers['retry-after']).toBe('1');
  });

  it("'hang' never answers, until the client gives up", async () => {
    gh.fail({ path: '/repos/acme/app' }, 'hang');
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const error = await failure(
      octokit.rest.repos.get({ ...repo, request: { signal: AbortSignal.timeout(300) } }),
    );
    expect(error.message).toMatch(/abort|timeout/i);
    expect(gh.requests.at(-1)).toMatchObject({ path: '/api/v3/repos/acme/app', status: 0 });
    expect((await octokit.rest.repos.get(repo)).status).toBe(200);
  });

  it('close() ends a hanging request instead of waiting for it', async () => {
    const own = await startFakeGitHub({ tokens: { t: { login: 'x', permissions: 'read' } } });
    own.fail({ path: '/user' }, 'hang');
    const pending = failure(octokitFor(own.apiUrl, 't').rest.users.getAuthenticated());
    await expect.poll(() => own.requests.length).toBe(1);
    await own.close();
    expect((await pending).message).toMatch(/socket|closed|fetch failed|terminated/i);
  });

  it('applies to git smart HTTP too', async () => {
    gh.fail({ path: '/acme/app.git/info/refs' }, { status: 500 });
    const dir = await tempDir('fake-github-fault-');
    try {
      const clone = await runGit(['clone', '--quiet', gh.gitUrl('acme', 'app'), `${dir}/c`], {
        token: 'writer',
      });
      expect(clone.code).not.toBe(0);
      expect(clone.stderr).toMatch(/500/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('clearFaults drops unused faults', async () => {
    gh.fail({ path: '/user', times: 5 }, { status: 500 });
    gh.clearFaults();
    expect((await octokitFor(gh.apiUrl, 'writer').rest.users.getAuthenticated()).status).toBe(200);
  });
});
