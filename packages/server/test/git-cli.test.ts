import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../src/git/git-cli.ts';
import { makeRemote } from './support/git-remote.ts';

/**
 * The host's git runner: what every call carries whatever the repository's own config says.
 */
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/**
 * A bare repository whose own config asks for a commit graph at git's automatic upkeep after any
 * fetch that brings a commit: the upkeep's trace is `objects/info/commit-graphs`.
 */
function eagerRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'abca-git-cli-'));
  roots.push(root);
  const dir = join(root, 'repo.git');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  for (const [key, value] of [
    ['maintenance.commit-graph.enabled', 'true'],
    ['maintenance.commit-graph.auto', '1'],
    ['maintenance.gc.enabled', 'false'],
  ] as const)
    execFileSync('git', ['-C', dir, 'config', key, value]);
  return dir;
}

describe('host git runner', () => {
  it('copies no template into a repository it makes (sample hooks, a description)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'abca-git-cli-'));
    roots.push(root);
    const remote = makeRemote({ 'README.md': 'hello\n' });
    roots.push(join(remote, '..'));
    const git = createGitCli();
    await git.run(['init', '--quiet', '--bare', join(root, 'made.git')]);
    await git.run(['clone', '--quiet', '--no-checkout', remote, join(root, 'cloned')], { op: 'fetch' });
    for (const dir of [join(root, 'made.git'), join(root, 'cloned', '.git')]) {
      expect(existsSync(join(dir, 'hooks')), dir).toBe(false);
      expect(existsSync(join(dir, 'description')), dir).toBe(false);
      expect(existsSync(join(dir, 'HEAD')), dir).toBe(true);
    }
    // A plain git init copies them (the test would see a change of git's defaults).
    execFileSync('git', ['init', '--quiet', '--bare', join(root, 'plain.git')]);
    expect(existsSync(join(root, 'plain.git', 'description'))).toBe(true);
  });

  it('starts no automatic upkeep after a fetch (git would start a process of its own for it)', async () => {
    const remote = makeRemote({ 'README.md': 'hello\n' });
    roots.push(join(remote, '..'));
    const graphs = (repo: string) => existsSync(join(repo, 'objects', 'info', 'commit-graphs'));

    // The repository does ask for upkeep: a plain git fetch runs it.
    const plain = eagerRepo();
    execFileSync('git', ['-C', plain, 'fetch', '-q', remote, 'main:refs/heads/main']);
    expect(graphs(plain)).toBe(true);

    const hosted = eagerRepo();
    await createGitCli().run(['fetch', '-q', remote, 'main:refs/heads/main'], { cwd: hosted, op: 'fetch' });
    expect(execFileSync('git', ['-C', hosted, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(
      execFileSync('git', ['-C', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim(),
    );
    expect(graphs(hosted)).toBe(false);
  });
});
