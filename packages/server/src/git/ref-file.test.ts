import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBranchRef } from './ref-file.ts';

const root = mkdtempSync(join(tmpdir(), 'abca-ref-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

describe('readBranchRef', () => {
  it('reads a branch as git does, loose or packed, and says nothing it cannot read plainly', async () => {
    const work = join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'one');
    const bare = join(root, 'bare.git');
    git(root, 'clone', '-q', '--bare', work, bare);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(
      bare,
      'fetch',
      '-q',
      work,
      '+refs/heads/main:refs/heads/main',
      '+refs/heads/main:refs/heads/feature/x',
    );
    // Loose after a fetch.
    expect(await readBranchRef(bare, 'main')).toBe(git(bare, 'rev-parse', 'refs/heads/main'));
    expect(await readBranchRef(bare, 'feature/x')).toBe(git(work, 'rev-parse', 'HEAD'));
    // Packed (a clone, or a gc): the same answer.
    git(bare, 'pack-refs', '--all');
    expect(await readBranchRef(bare, 'main')).toBe(git(bare, 'rev-parse', 'refs/heads/main'));
    expect(await readBranchRef(bare, 'feature/x')).toBe(git(work, 'rev-parse', 'HEAD'));
    expect(await readBranchRef(bare, 'feature')).toBeUndefined();
    expect(await readBranchRef(bare, 'missing')).toBeUndefined();
    // A name that is no branch name never becomes a path; a file that holds no id is not an answer.
    writeFileSync(join(root, 'planted'), `${'a'.repeat(40)}\n`);
    expect(await readBranchRef(bare, '../../planted')).toBeUndefined();
    writeFileSync(join(bare, 'refs', 'heads', 'sym'), 'ref: refs/heads/main\n');
    expect(await readBranchRef(bare, 'sym')).toBeUndefined();
    // A clone's remote-tracking branch.
    const clone = join(root, 'clone');
    git(root, 'clone', '-q', '--no-checkout', bare, clone);
    expect(await readBranchRef(join(clone, '.git'), 'feature/x', 'refs/remotes/origin/')).toBe(
      git(work, 'rev-parse', 'HEAD'),
    );
    expect(await readBranchRef(join(clone, '.git'), 'feature/x')).toBeUndefined();
  });
});
