import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { gitOk, tempDir } from './support/git-client.ts';
import { failure, octokitFor } from './support/octokit.ts';
import { pushBranch } from './support/push-branch.ts';

let gh: FakeGitHub;
let seedDir: string;

beforeAll(async () => {
  seedDir = await tempDir('fake-github-seed-test-');
  await mkdir(join(seedDir, 'src'));
  await writeFile(join(seedDir, 'src', 'index.ts'), 'export const answer = 41;\n');
  await writeFile(join(seedDir, 'README.md'), '# app\n');
  gh = await startFakeGitHub({
    repos: [
      { owner: 'acme', name: 'app', seedDir },
      { owner: 'acme', name: 'secret', private: true, defaultBranch: 'trunk' },
    ],
    tokens: {
      admin: { login: 'root', permissions: 'admin' },
      writer: { login: 'alice', permissions: 'write' },
      reader: { login: 'rita', permissions: 'read' },
      outsider: { login: 'olga', permissions: 'none' },
    },
  });
});

afterAll(async () => {
  await gh?.close();
  await rm(seedDir, { recursive: true, force: true });
});

describe('users and repositories', () => {
  it('GET /user returns the token’s login', async () => {
    const { data, headers } = await octokitFor(gh.apiUrl, 'writer').rest.users.getAuthenticated();
    expect(data.login).toBe('alice');
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(headers['x-github-request-id']).toMatch(/^[0-9A-F]+:[0-9A-F]+$/);
  });

  it('GET /repos reports the default branch and the caller’s permissions', async () => {
    const writer = await octokitFor(gh.apiUrl, 'writer').rest.repos.get({ owner: 'acme', repo: 'app' });
    expect(writer.data).toMatchObject({ full_name: 'acme/app', default_branch: 'main', private: false });
    expect(writer.data.permissions).toMatchObject({ admin: false, push: true, pull: true });
    const reader = await octokitFor(gh.apiUrl, 'reader').rest.repos.get({ owner: 'acme', repo: 'secret' });
    expect(reader.data).toMatchObject({ default_branch: 'trunk', private: true });
    expect(reader.data.permissions).toMatchObject({ admin: false, push: false, pull: true });
    const admin = await octokitFor(gh.apiUrl, 'admin').rest.repos.get({ owner: 'acme', repo: 'app' });
    expect(admin.data.permissions).toMatchObject({ admin: true, push: true, pull: true });
  });

  it('serves the same routes at the root as under /api/v3', async () => {
    const { data } = await octokitFor(gh.webUrl, 'writer').rest.repos.get({ owner: 'acme', repo: 'app' });
    expect(data.clone_url).toBe(gh.gitUrl('acme', 'app'));
  });

  it('hides a private repository from a token without access, like GitHub (404)', async () => {
    const error = await failure(
      octokitFor(gh.apiUrl, 'outsider').rest.repos.get({ owner: 'acme', repo: 'secret' }),
    );
    expect(error.status).toBe(404);
    const anonymous = await failure(octokitFor(gh.apiUrl).rest.repos.get({ owner: 'acme', repo: 'secret' }));
    expect(anonymous.status).toBe(404);
    const visible = await octokitFor(gh.apiUrl, 'outsider').rest.repos.get({ owner: 'acme', repo: 'app' });
    expect(visible.data.permissions).toMatchObject({ push: false, pull: true });
  });

  it('answers an unknown token with 401 Bad credentials, never logging the token', async () => {
    const error = await failure(octokitFor(gh.apiUrl, 'nope').rest.repos.get({ owner: 'acme', repo: 'app' }));
    expect(error.status).toBe(401);
    expect(error.response.data).toMatchObject({ message: 'Bad credentials' });
    expect(error.response.data.documentation_url).toMatch(/^https:\/\/docs\.github\.com/);
    const last = gh.requests.at(-1)!;
    expect(last).toMatchObject({
      method: 'GET',
      path: '/api/v3/repos/acme/app',
      status: 401,
      authorization: 'token',
    });
    expect(JSON.stringify(gh.requests)).not.toContain('nope');
  });

  it('GET /user without a token is 401', async () => {
    expect((await failure(octokitFor(gh.apiUrl).rest.users.getAuthenticated())).status).toBe(401);
  });
});

describe('branches and refs', () => {
  it('returns the seeded commit for the default branch, and 404 for a missing branch', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const branch = await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'app', branch: 'main' });
    const local = (await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'rev-parse', 'main'])).trim();
    expect(branch.data.commit.sha).toBe(local);
    const files = await gitOk([
      '--git-dir',
      gh.repoPath('acme', 'app'),
      'ls-tree',
      '-r',
      '--name-only',
      'main',
    ]);
    expect(files.split('\n').filter(Boolean).sort()).toEqual(['README.md', 'src/index.ts']);
    const ref = await octokit.rest.git.getRef({ owner: 'acme', repo: 'app', ref: 'heads/main' });
    expect(ref.data).toMatchObject({ ref: 'refs/heads/main', object: { sha: local, type: 'commit' } });
    const missing = await failure(
      octokit.rest.repos.getBranch({ owner: 'acme', repo: 'app', branch: 'nope' }),
    );
    expect(missing.status).toBe(404);
    expect(
      (await failure(octokit.rest.git.getRef({ owner: 'acme', repo: 'app', ref: 'heads/nope' }))).status,
    ).toBe(404);
  });

  it('handles branch names with slashes', async () => {
    await pushBranch(gh, {
      owner: 'acme',
      name: 'app',
      token: 'writer',
      branch: 'abca/task-1',
      files: { x: '1\n' },
    });
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const branch = await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'app', branch: 'abca/task-1' });
    expect(branch.data.name).toBe('abca/task-1');
    const ref = await octokit.rest.git.getRef({ owner: 'acme', repo: 'app', ref: 'heads/abca/task-1' });
    expect(ref.data.object.sha).toBe(branch.data.commit.sha);
  });
});

describe('pull requests', () => {
  beforeAll(async () => {
    await pushBranch(gh, {
      owner: 'acme',
      name: 'app',
      token: 'writer',
      branch: 'feature',
      files: { 'src/index.ts': 'export const answer = 42;\n', 'NEW.md': 'new\n' },
    });
  });

  it('creates, lists, reads, diffs and updates a pull request', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const created = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'app',
      head: 'acme:feature',
      base: 'main',
      title: 'Answer',
      body: 'Fixes the answer',
      draft: true,
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      state: 'open',
      draft: true,
      title: 'Answer',
      head: { ref: 'feature', label: 'acme:feature' },
      base: { ref: 'main' },
      user: { login: 'alice' },
      commits: 1,
      additions: 2,
      deletions: 1,
      changed_files: 2,
    });
    const number = created.data.number;
    expect(gh.pulls('acme', 'app')).toContainEqual(
      expect.objectContaining({
        number,
        head: { ref: 'feature' },
        base: { ref: 'main' },
        draft: true,
        state: 'open',
      }),
    );

    const listed = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'app',
      head: 'acme:feature',
      state: 'open',
    });
    expect(listed.data.map((pull) => pull.number)).toEqual([number]);
    const otherHead = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'app',
      head: 'acme:nothing',
      state: 'all',
    });
    expect(otherHead.data).toEqual([]);
    const byBase = await octokit.rest.pulls.list({ owner: 'acme', repo: 'app', base: 'trunk' });
    expect(byBase.data).toEqual([]);

    const diff = await octokit.rest.pulls.get({
      owner: 'acme',
      repo: 'app',
      pull_number: number,
      mediaType: { format: 'diff' },
    });
    const text = diff.data as unknown as string;
    expect(text).toContain('diff --git a/src/index.ts b/src/index.ts');
    expect(text).toContain('-export const answer = 41;');
    expect(text).toContain('+export const answer = 42;');
    expect(text).toContain('b/NEW.md');

    const updated = await octokit.rest.pulls.update({
      owner: 'acme',
      repo: 'app',
      pull_number: number,
      title: 'Answer v2',
      body: 'Updated',
      state: 'closed',
    });
    expect(updated.data).toMatchObject({ title: 'Answer v2', body: 'Updated', state: 'closed' });
    expect(
      (await octokit.rest.pulls.get({ owner: 'acme', repo: 'app', pull_number: number })).data.state,
    ).toBe('closed');
    expect(
      (await octokit.rest.pulls.list({ owner: 'acme', repo: 'app', head: 'acme:feature' })).data,
    ).toEqual([]);
    const all = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'app',
      head: 'acme:feature',
      state: 'all',
    });
    expect(all.data.map((pull) => pull.number)).toEqual([number]);
    await octokit.rest.pulls.update({ owner: 'acme', repo: 'app', pull_number: number, state: 'open' });
  });

  it('refuses a second open pull request for the same head (422)', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const error = await failure(
      octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'app',
        head: 'feature',
        base: 'main',
        title: 'Again',
      }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('A pull request already exists for acme:feature');
  });

  it('refuses a head branch that does not exist on the server (422)', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const error = await failure(
      octokit.rest.pulls.create({ owner: 'acme', repo: 'app', head: 'not-pushed', base: 'main', title: 'X' }),
    );
    expect(error.status).toBe(422);
    expect(error.response.data.errors).toEqual([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  });

  it('refuses a pull request from a read-only token (403)', async () => {
    await pushBranch(gh, {
      owner: 'acme',
      name: 'app',
      token: 'writer',
      branch: 'other',
      files: { o: 'o\n' },
    });
    const error = await failure(
      octokitFor(gh.apiUrl, 'reader').rest.pulls.create({
        owner: 'acme',
        repo: 'app',
        head: 'other',
        base: 'main',
        title: 'X',
      }),
    );
    expect(error.status).toBe(403);
    expect(error.message).toContain('Resource not accessible by personal access token');
  });

  it('serves review comments with replies', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'Seeded', head: 'other', body: 'seeded body' });
    const first = gh.addReviewComment('acme', 'app', number, {
      path: 'o',
      line: 1,
      body: 'Why?',
      author: 'bob',
    });
    gh.addReviewComment('acme', 'app', number, {
      path: 'o',
      line: 1,
      body: 'Because.',
      author: 'alice',
      inReplyTo: first,
    });
    const { data } = await octokitFor(gh.apiUrl, 'reader').rest.pulls.listReviewComments({
      owner: 'acme',
      repo: 'app',
      pull_number: number,
    });
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ id: first, path: 'o', line: 1, body: 'Why?', user: { login: 'bob' } });
    expect(data[0]).not.toHaveProperty('in_reply_to_id');
    expect(data[1]).toMatchObject({ body: 'Because.', in_reply_to_id: first, user: { login: 'alice' } });
    const head = (await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'rev-parse', 'other'])).trim();
    expect(data[1]?.commit_id).toBe(head);
  });
});

describe('issues and comments', () => {
  it('reads an issue and its comments, and posts a comment', async () => {
    const number = gh.addIssue('acme', 'app', {
      title: 'Crash on start',
      body: 'Steps…',
      comments: [{ author: 'bob', body: 'Same here' }],
    });
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const issue = await octokit.rest.issues.get({ owner: 'acme', repo: 'app', issue_number: number });
    expect(issue.data).toMatchObject({
      number,
      title: 'Crash on start',
      body: 'Steps…',
      state: 'open',
      comments: 1,
    });
    expect(issue.data).not.toHaveProperty('pull_request');
    const posted = await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      body: 'On it',
    });
    expect(posted.status).toBe(201);
    expect(posted.data).toMatchObject({ body: 'On it', user: { login: 'alice' } });
    const comments = await octokit.rest.issues.listComments({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
    });
    expect(comments.data.map((comment) => [comment.user?.login, comment.body])).toEqual([
      ['bob', 'Same here'],
      ['alice', 'On it'],
    ]);
    expect(gh.issueComments('acme', 'app', number).map((comment) => comment.body)).toEqual([
      'Same here',
      'On it',
    ]);
  });

  it('marks a pull request’s issue with pull_request and accepts comments on it', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'PR', head: 'feature-x' });
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const issue = await octokit.rest.issues.get({ owner: 'acme', repo: 'app', issue_number: number });
    expect(issue.data.pull_request?.url).toBe(`${gh.apiUrl}/repos/acme/app/pulls/${number}`);
    await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      body: 'Ready',
    });
    expect(gh.issueComments('acme', 'app', number)).toEqual([
      expect.objectContaining({ author: 'alice', body: 'Ready' }),
    ]);
  });

  it('refuses a comment from a read-only token and 404s a missing issue', async () => {
    const number = gh.addIssue('acme', 'app', { title: 'RO' });
    const reader = octokitFor(gh.apiUrl, 'reader');
    const error = await failure(
      reader.rest.issues.createComment({ owner: 'acme', repo: 'app', issue_number: number, body: 'x' }),
    );
    expect(error.status).toBe(403);
    expect(
      (await failure(reader.rest.issues.get({ owner: 'acme', repo: 'app', issue_number: 999 }))).status,
    ).toBe(404);
  });

  it('paginates comments with Link headers', async () => {
    const number = gh.addIssue('acme', 'app', {
      title: 'Busy',
      comments: Array.from({ length: 45 }, (_, index) => ({ author: 'bob', body: `c${index}` })),
    });
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      per_page: 20,
    });
    expect(all.map((comment) => comment.body)).toEqual(Array.from({ length: 45 }, (_, index) => `c${index}`));
  });
});

describe('rate limit', () => {
  it('GET /rate_limit reports the core budget without spending it', async () => {
    const octokit = octokitFor(gh.apiUrl, 'admin');
    const first = await octokit.rest.rateLimit.get();
    const second = await octokit.rest.rateLimit.get();
    expect(first.data.resources.core.limit).toBe(5000);
    expect(second.data.rate.remaining).toBe(first.data.rate.remaining);
    expect(first.headers['x-ratelimit-remaining']).toBe(String(first.data.rate.remaining));
  });
});
