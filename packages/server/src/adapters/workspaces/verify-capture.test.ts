import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../../git/git-cli.ts';
import { fetchCapture, listChangedPaths } from './verify-capture.ts';

/**
 * The host's own check of a capture, apart from the sandbox's: a file over the limit in a bundle
 * is refused even when the sandbox did not say so (the sandbox's early refusal is only a saving).
 */
const root = mkdtempSync(join(tmpdir(), 'abca-verify-capture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

describe('fetchCapture', () => {
  it('refuses a bundle that adds a file over the limit, and takes one under it', async () => {
    const work = join(root, 'work');
    execFileSync('mkdir', ['-p', work]);
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'README.md'), 'base\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'base');
    const base = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '-q', '-b', 'abca/task-1/big');
    writeFileSync(join(work, 'big.bin'), Buffer.alloc(300_000, 7));
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'big');
    const bundleFile = join(root, 'work.bundle');
    git(work, 'bundle', 'create', '-q', bundleFile, 'refs/heads/abca/task-1/big', `^${base}`);
    const bundle = readFileSync(bundleFile);

    const scratch = (name: string) => {
      const dir = join(root, name);
      git(root, 'clone', '-q', '--bare', work, dir);
      return dir;
    };
    const opts = { branch: 'abca/task-1/big', baseCommit: base, ref: 'refs/abca/work' };
    const cli = createGitCli();
    await expect(
      fetchCapture(cli, scratch('refused'), bundle, { ...opts, maxFileBytes: 100_000 }),
    ).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
      message: expect.stringMatching(/file of 300000 bytes; files over 100000 bytes/),
    });
    const head = await fetchCapture(cli, scratch('taken'), bundle, { ...opts, maxFileBytes: 1_000_000 });
    expect(head).toBe(git(work, 'rev-parse', 'HEAD'));
  });
});

describe('listChangedPaths', () => {
  it('lists the files a change touches, and cuts a huge change instead of failing', async () => {
    const work = join(root, 'paths');
    execFileSync('mkdir', ['-p', join(work, 'many')]);
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'README.md'), 'base\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'base');
    const base = git(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'README.md'), 'changed\n');
    git(work, 'commit', '-q', '-am', 'small');
    const small = git(work, 'rev-parse', 'HEAD');
    expect(await listChangedPaths(createGitCli(), work, base, small)).toEqual(['README.md']);
    // 11,000 files with 100-character names: more than a MiB of names, over any output cap.
    for (let i = 0; i < 11000; i++)
      writeFileSync(join(work, 'many', `${String(i).padStart(95, 'f')}.txt`), '');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'huge');
    const huge = git(work, 'rev-parse', 'HEAD');
    const listed = await listChangedPaths(createGitCli(), work, base, huge);
    expect(listed).toHaveLength(200);
    expect(listed.every((p) => p === 'README.md' || /^many\/f+\d+\.txt$/.test(p))).toBe(true);
  });
});
