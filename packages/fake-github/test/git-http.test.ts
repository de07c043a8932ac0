import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { gitOk, runGit, tempDir } from './support/git-client.ts';
import { octokitFor } from './support/octokit.ts';

let gh: FakeGitHub;
const dirs: string[] = [];

async function workDir(): Promise<string> {
  const dir = await tempDir('fake-github-git-test-');
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [
      { owner: 'acme', name: 'app' },
      { owner: 'acme', name: 'secret', private: true },
    ],
    tokens: {
      writer: { login: 'alice', permissions: 'write' },
      reader: { login: 'rita', permissions: 'read' },
      outsider: { login: 'olga', permissions: 'none' },
    },
  });
});

afterAll(async () => {
  await gh?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('git over smart HTTP', () => {
  it('clones with a token and pushes a branch that then shows in the PR diff', async () => {
    const dir = await workDir();
    await gitOk(['clone', '--quiet', gh.gitUrl('acme', 'app'), dir], { token: 'writer' });
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('# app\n');
    await gitOk(['checkout', '--quiet', '-b', 'abca/fix'], { cwd: dir });
    await writeFile(join(dir, 'fix.txt'), 'first\n');
    await gitOk(['add', 'fix.txt'], { cwd: dir });
    await gitOk(['commit', '--quiet', '-m', 'Fix'], { cwd: dir });
    await gitOk(['push', '--quiet', 'origin', 'abca/fix'], { cwd: dir, token: 'writer' });

    const local = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    const remote = (
      await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'rev-parse', 'refs/heads/abca/fix'])
    ).trim();
    expect(remote).toBe(local);
    expect(gh.requests.filter((request) => request.path.endsWith('git-receive-pack'))).toContainEqual(
      expect.objectContaining({ method: 'POST', status: 200, authorization: 'basic' }),
    );

    const octokit = octokitFor(gh.apiUrl, 'writer');
    const { data: pull } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'app',
      head: 'abca/fix',
      base: 'main',
      title: 'Fix',
    });
    const diff = async () =>
      (
        await octokit.rest.pulls.get({
          owner: 'acme',
          repo: 'app',
          pull_number: pull.number,
          mediaType: { format: 'diff' },
        })
      ).data as unknown as string;
    expect(await diff()).toContain('+first');

    // A follow-up push moves the branch; the PR reflects it.
    await writeFile(join(dir, 'fix.txt'), 'second\n');
    await gitOk(['commit', '--quiet', '-am', 'Fix again'], { cwd: dir });
    await gitOk(['push', '--quiet', 'origin', 'abca/fix'], { cwd: dir, token: 'writer' });
    expect(await diff()).toContain('+second');
    const updated = await octokit.rest.pulls.get({ owner: 'acme', repo: 'app', pull_number: pull.number });
    expect(updated.data.head.sha).toBe((await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).trim());
    expect(updated.data.commits).toBe(2);
  });

  it('takes a push larger than git’s post buffer (chunked, no Content-Length)', async () => {
    const dir = await workDir();
    await gitOk(['clone', '--quiet', gh.gitUrl('acme', 'app'), dir], { token: 'writer' });
    await gitOk(['checkout', '--quiet', '-b', 'big'], { cwd: dir });
    await writeFile(join(dir, 'big.bin'), randomBytes(3 * 1024 * 1024));
    await gitOk(['add', 'big.bin'], { cwd: dir });
    await gitOk(['commit', '--quiet', '-m', 'big'], { cwd: dir });
    await gitOk(['-c', 'http.postBuffer=65536', 'push', '--quiet', 'origin', 'big'], {
      cwd: dir,
      token: 'writer',
    });
    const remote = await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'rev-parse', 'refs/heads/big']);
    expect(remote.trim()).toBe((await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).trim());
  });

  it('supports shallow clones and protocol v2', async () => {
    const dir = await workDir();
    await gitOk(
      ['-c', 'protocol.version=2', 'clone', '--quiet', '--depth', '1', gh.gitUrl('acme', 'app'), dir],
      {
        token: 'reader',
      },
    );
    expect((await gitOk(['rev-list', '--count', 'HEAD'], { cwd: dir })).trim()).toBe('1');
  });

  it('accepts a Bearer token too', async () => {
    const dir = await workDir();
    const result = await runGit([
      '-c',
      'http.extraHeader=Authorization: Bearer writer',
      'clone',
      '--quiet',
      gh.gitUrl('acme', 'app'),
      dir,
    ]);
    expect(result.code).toBe(0);
  });

  it('fails a clone with a bad token, and without one answers 401 with WWW-Authenticate', async () => {
    const bad = await runGit(['clone', '--quiet', gh.gitUrl('acme', 'app'), await workDir()], {
      token: 'wrong',
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Authentication failed|could not read Username|401/);

    const response = await fetch(`${gh.gitUrl('acme', 'app')}/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    expect(response.headers.get('x-ratelimit-limit')).not.toBeNull();
    expect(response.headers.get('x-github-request-id')).not.toBeNull();
  });

  it('lets a read token fetch but not push (403)', async () => {
    const dir = await workDir();
    await gitOk(['clone', '--quiet', gh.gitUrl('acme', 'app'), dir], { token: 'reader' });
    await gitOk(['checkout', '--quiet', '-b', 'nope'], { cwd: dir });
    await gitOk(['commit', '--quiet', '--allow-empty', '-m', 'x'], { cwd: dir });
    const push = await runGit(['push', 'origin', 'nope'], { cwd: dir, token: 'reader' });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/403|denied/);
    const refs = await gitOk([
      '--git-dir',
      gh.repoPath('acme', 'app'),
      'for-each-ref',
      '--format=%(refname)',
    ]);
    expect(refs).not.toContain('refs/heads/nope');
  });

  it('hides a private repository from a token without access (404)', async () => {
    const hidden = await runGit(['clone', '--quiet', gh.gitUrl('acme', 'secret'), await workDir()], {
      token: 'outsider',
    });
    expect(hidden.code).not.toBe(0);
    expect(hidden.stderr).toMatch(/not found|404/i);
    const allowed = await runGit(['clone', '--quiet', gh.gitUrl('acme', 'secret'), await workDir()], {
      token: 'reader',
    });
    expect(allowed.code).toBe(0);
  });
});
