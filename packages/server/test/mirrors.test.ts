import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../src/git/git-cli.ts';
import { mirrorReaders } from '../src/git/mirror-locks.ts';
import { createMirrors } from '../src/git/mirrors.ts';
import type { RepoRef } from '../src/ports/forge.ts';
import { makeRemote } from './support/git-remote.ts';

/**
 * The host's mirrors: one refresh serves the calls within its window, callers that need newer
 * state still get it, only the branches asked for are fetched, and upkeep never holds up a clone.
 * Fetches are counted by the mirrors themselves and checked against the mirror's refs.
 */
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    encoding: 'utf8',
  }).trim();

function world(opts: { freshMs?: number } = {}) {
  const remote = makeRemote({ 'README.md': 'hello\n' });
  const root = mkdtempSync(join(tmpdir(), 'abca-mirrors-'));
  roots.push(root, join(remote, '..'));
  const repo: RepoRef = { repo: 'demo', defaultBranch: 'main', forge: { kind: 'git', url: remote } };
  const make = () =>
    createMirrors({
      git: createGitCli(),
      cacheDir: join(root, 'cache'),
      remote: async () => ({ url: remote, publicUrl: remote }),
      ...(opts.freshMs !== undefined ? { freshMs: opts.freshMs } : {}),
    });
  /** A new commit on `branch` of the remote (made from `main` when the branch is new). */
  const push = (branch: string, text: string) => {
    const dev = mkdtempSync(join(root, 'dev-'));
    git(root, 'clone', '-q', remote, dev);
    const has = git(dev, 'ls-remote', '--heads', 'origin', branch);
    if (has) git(dev, 'checkout', '-q', branch);
    else git(dev, 'checkout', '-q', '-b', branch);
    execFileSync('sh', ['-c', `echo '${text}' >> CHANGE.md`], { cwd: dev });
    git(dev, 'add', '-A');
    git(dev, 'commit', '-q', '-m', text);
    git(dev, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return git(dev, 'rev-parse', 'HEAD');
  };
  return { remote, root, repo, make, push };
}

const refsOf = (path: string) => git(path, 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean);

describe('one refresh serves many', () => {
  it('five concurrent calls and the calls within the window make one fetch', async () => {
    const w = world({ freshMs: 60_000 });
    const mirrors = w.make();
    const heads = await Promise.all([1, 2, 3, 4, 5].map(() => mirrors.sync(w.repo)));
    expect(new Set(heads.map((h) => h.defaultBranchHead)).size).toBe(1);
    expect(mirrors.fetchCount(w.repo)).toBe(1);
    await mirrors.sync(w.repo);
    expect(mirrors.fetchCount(w.repo)).toBe(1);
  });

  it('with the window off, calls made while a fetch waits for the lock share it; later calls fetch', async () => {
    const w = world({ freshMs: 0 });
    const mirrors = w.make();
    await Promise.all([1, 2, 3, 4, 5].map(() => mirrors.sync(w.repo)));
    // The first call's fetch, and at most one more that every other call joined.
    expect(mirrors.fetchCount(w.repo)).toBeLessThanOrEqual(2);
    const before = mirrors.fetchCount(w.repo);
    await mirrors.sync(w.repo);
    await mirrors.sync(w.repo);
    expect(mirrors.fetchCount(w.repo)).toBe(before + 2);
  });

  it('a worker that finds a fresh fetch of another worker in the record does not fetch', async () => {
    const w = world({ freshMs: 60_000 });
    const a = w.make();
    const b = w.make();
    const fromA = await a.sync(w.repo);
    const fromB = await b.sync(w.repo);
    expect(fromB.defaultBranchHead).toBe(fromA.defaultBranchHead);
    expect(a.fetchCount(w.repo)).toBe(1);
    expect(b.fetchCount(w.repo)).toBe(0);
    // A branch the record does not hold is fetched by the worker that needs it.
    w.push('feature', 'f1');
    await b.sync(w.repo, { branches: ['feature'] });
    expect(b.fetchCount(w.repo)).toBe(1);
  });
});

describe('callers that need newer state get it', () => {
  it('a push just made is seen by a caller that says when it pushed, inside the window', async () => {
    const w = world({ freshMs: 60_000 });
    const mirrors = w.make();
    const first = await mirrors.sync(w.repo);
    const pushedAt = Date.now();
    const onMain = w.push('main', 'upstream');
    const onBranch = w.push('abca/task-1/x', 'the task');
    // Inside the window a plain call is answered by the first refresh...
    expect((await mirrors.sync(w.repo)).defaultBranchHead).toBe(first.defaultBranchHead);
    // ...and a caller that pushed gets the remote as it is now.
    const after = await mirrors.sync(w.repo, { branches: ['abca/task-1/x'], freshAfter: pushedAt });
    expect(after.defaultBranchHead).toBe(onMain);
    expect(git(after.path, 'rev-parse', 'refs/heads/abca/task-1/x')).toBe(onBranch);
  });

  it("a pull request's new head is fetched when the mirror's branch does not contain it", async () => {
    const w = world({ freshMs: 60_000 });
    const mirrors = w.make();
    const old = w.push('feature/pr', 'first');
    const { path } = await mirrors.sync(w.repo, { branches: ['feature/pr'], want: { 'feature/pr': old } });
    expect(git(path, 'rev-parse', 'refs/heads/feature/pr')).toBe(old);
    const fetched = mirrors.fetchCount(w.repo);
    const newer = w.push('feature/pr', 'second');
    await mirrors.sync(w.repo, { branches: ['feature/pr'], want: { 'feature/pr': newer } });
    expect(git(path, 'rev-parse', 'refs/heads/feature/pr')).toBe(newer);
    expect(mirrors.fetchCount(w.repo)).toBe(fetched + 1);
    // A head the branch holds already costs no fetch.
    await mirrors.sync(w.repo, { branches: ['feature/pr'], want: { 'feature/pr': old } });
    expect(mirrors.fetchCount(w.repo)).toBe(fetched + 1);
  });
});

describe('only what is needed', () => {
  it('fetches the default branch and the named branches, not the remote history', async () => {
    const w = world({ freshMs: 0 });
    const head = git(w.remote, 'rev-parse', 'main');
    const lines = Array.from({ length: 200 }, (_, i) => `create refs/heads/abca/done-${i}/x ${head}\n`);
    execFileSync('git', ['-C', w.remote, 'update-ref', '--stdin'], { input: lines.join('') });
    git(w.remote, 'tag', 'v1', head);
    const mirrors = w.make();
    const { path } = await mirrors.sync(w.repo);
    expect(refsOf(path)).toEqual(['refs/heads/main']);
    await mirrors.sync(w.repo, { branches: ['abca/done-7/x'] });
    expect(refsOf(path)).toEqual(['refs/heads/abca/done-7/x', 'refs/heads/main']);
  });

  it('a named branch deleted on the remote leaves the mirror, and the rest is still fetched', async () => {
    const w = world({ freshMs: 0 });
    const mirrors = w.make();
    w.push('short-lived', 'x');
    const { path } = await mirrors.sync(w.repo, { branches: ['short-lived'] });
    expect(refsOf(path)).toContain('refs/heads/short-lived');
    git(w.remote, 'update-ref', '-d', 'refs/heads/short-lived');
    const onMain = w.push('main', 'moved on');
    const after = await mirrors.sync(w.repo, { branches: ['short-lived'] });
    expect(refsOf(path)).toEqual(['refs/heads/main']);
    expect(after.defaultBranchHead).toBe(onMain);
  });

  it('refuses a branch name that could be read as an option or a refspec', async () => {
    const w = world();
    const mirrors = w.make();
    for (const bad of ['--upload-pack=x', 'a:b', 'x..y', '*'])
      await expect(mirrors.sync(w.repo, { branches: [bad] })).rejects.toThrow(/invalid branch name/);
  });
});

describe('upkeep off the path', () => {
  it('drops branches no task fetched lately, keeping the default branch and those in use', async () => {
    const w = world({ freshMs: 0 });
    const mirrors = w.make();
    w.push('in-use', 'x');
    const { path } = await mirrors.sync(w.repo, { branches: ['in-use'] });
    // The upkeep a first refresh starts in the background ends first.
    await mirrors.idle();
    const head = git(path, 'rev-parse', 'main');
    // Refs of a mirror from before (every branch and tag of the remote): never fetched by a task.
    const old = Array.from({ length: 50 }, (_, i) => `create refs/heads/old-${i} ${head}\n`).join('');
    execFileSync('git', ['-C', path, 'update-ref', '--stdin'], {
      input: `${old}create refs/tags/v0 ${head}\n`,
    });
    const done = await mirrors.maintain(w.repo);
    expect(done.pruned).toBe(51);
    expect(refsOf(path)).toEqual(['refs/heads/in-use', 'refs/heads/main']);
  });

  it('gc waits for no clone, and a clone never waits for gc', async () => {
    const w = world({ freshMs: 0 });
    const mirrors = w.make();
    const { path, defaultBranchHead } = await mirrors.sync(w.repo);
    await mirrors.idle();
    // A clone copying the object files: the repack does not start.
    const reader = await mirrorReaders.enter(path);
    expect(reader.maintaining).toBe(false);
    expect((await mirrors.maintain(w.repo)).gc).toBe('busy');
    await reader.leave();
    expect((await mirrors.maintain(w.repo)).gc).toBe('ran');
    // A clone made while the maintainer holds the mirror: were it to wait, this would never end.
    const dest = join(w.root, 'ws');
    const held = await mirrorReaders.maintain(path, async () => {
      await mirrors.cloneTo(w.repo, dest);
      return git(dest, 'rev-parse', 'refs/remotes/origin/main');
    });
    expect(held).toEqual({ ran: true, value: defaultBranchHead });
    expect(existsSync(join(dest, '.git', 'objects', 'info', 'alternates'))).toBe(false);
    await mirrors.idle();
  });
});
