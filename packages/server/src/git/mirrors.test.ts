import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RepoRef } from '../ports/forge.ts';
import { createGitCli } from './git-cli.ts';
import { createMirrors } from './mirrors.ts';

const root = mkdtempSync(join(tmpdir(), 'abca-mirrors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  });

/** Loose objects of a bare repository (its `objects/xx/` folders), and its packs. */
function objectsOf(bare: string): { loose: number; packs: number } {
  const dir = join(bare, 'objects');
  let loose = 0;
  for (const d of readdirSync(dir)) if (/^[0-9a-f]{2}$/.test(d)) loose += readdirSync(join(dir, d)).length;
  const packs = readdirSync(join(dir, 'pack')).filter((f) => f.endsWith('.pack')).length;
  return { loose, packs };
}

describe('mirrors', () => {
  it('keep what a fetch brings as a pack, not as loose objects (a blob is never inflated and compressed again)', async () => {
    const work = join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    writeFileSync(join(work, 'a.txt'), 'a\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'a');
    const repo: RepoRef = { repo: 'r', defaultBranch: 'main', forge: { kind: 'git', url: work } };
    const mirrors = createMirrors({
      git: createGitCli(),
      cacheDir: join(root, 'cache'),
      remote: async () => ({ url: work, publicUrl: 'r.git' }),
    });

    const first = await mirrors.sync(repo);
    // Three objects: under git's default unpack limit (100), a plain fetch would leave them loose.
    expect(objectsOf(first.path)).toEqual({ loose: 0, packs: 1 });

    writeFileSync(join(work, 'b.txt'), 'b\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'b');
    // A commit just made upstream: `freshAfter` asks for a refresh newer than it (not the window's).
    const second = await mirrors.sync(repo, { freshAfter: Date.now() });
    expect(second.defaultBranchHead).toBe(git(work, 'rev-parse', 'HEAD').trim());
    expect(objectsOf(second.path).loose).toBe(0);
  });
});
