import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { createChangeRequestMerger } from '../src/git/merge-change-request.ts';
import type { Mirrors } from '../src/git/mirrors.ts';
import type { RepoRef } from '../src/ports/forge.ts';
import { sh, writeSeed } from './forge-contract.ts';

/**
 * Merging a change request on a real bare remote through the host's mirror: a clean merge pushes
 * one merge commit to the base; a conflict names the paths and changes nothing; a base that moves
 * between the refresh and the push is merged again on the new head.
 */
let root: string;
let bare: string;
let n = 0;
const repo = (): RepoRef => ({
  repo: 'local/merge',
  defaultBranch: 'main',
  forge: { kind: 'git', url: bare },
});

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'abca-merge-'));
  const seed = join(root, 'seed');
  writeSeed(seed);
  bare = join(root, 'remote.git');
  sh(root, ['clone', '-q', '--bare', seed, bare]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A developer pushes one commit writing `files` to `branch` (made from main when new). */
function push(branch: string, files: Record<string, string>, from = 'main'): string {
  const dev = join(root, `dev-${n++}`);
  sh(root, ['clone', '-q', bare, dev]);
  sh(dev, ['checkout', '-q', '-B', branch, `origin/${from}`]);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dev, f), text);
  sh(dev, ['add', '-A']);
  sh(dev, ['commit', '-q', '-m', `Change ${Object.keys(files).join(', ')}`]);
  sh(dev, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
  return sh(dev, ['rev-parse', 'HEAD']);
}
const head = (branch: string) =>
  sh(root, ['--git-dir', bare, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`]);
const show = (rev: string) => sh(root, ['--git-dir', bare, 'show', rev]);

function setup(wrap?: (m: Mirrors) => Pick<Mirrors, 'sync'>) {
  const cacheDir = join(root, `cache-${n++}`);
  const local = createLocalGit({
    cacheDir,
    remote: async (r) => ({ url: (r.forge as { url: string }).url, publicUrl: 'x' }),
  });
  return createChangeRequestMerger({
    git: local.git,
    mirrors: wrap ? wrap(local.mirrors) : local.mirrors,
    remote: async () => ({ url: bare, publicUrl: 'origin' }),
    cacheDir,
  });
}
const cr = (number: number, branch: string) => ({
  number,
  title: `PR ${number}`,
  branch,
  base: 'main',
  mergedBy: 'ada',
});

describe('merging a change request on the remote', () => {
  it('pushes one merge commit of the base and the branch; a repeat finds it merged', async () => {
    const baseBefore = head('main');
    const tip = push('feature/clean', { 'CLEAN.md': 'clean\n' });
    const merger = setup();
    const out = await merger.merge(repo(), cr(1, 'feature/clean'));
    expect(out).toMatchObject({ ok: true, head: tip, alreadyMerged: false });
    const merged = head('main');
    expect(out.ok && out.commit).toBe(merged);
    const parents = sh(root, ['--git-dir', bare, 'rev-list', '--parents', '-n', '1', merged]).split(' ');
    expect(parents.slice(1)).toEqual([baseBefore, tip]);
    expect(show(`${merged}:CLEAN.md`)).toBe('clean');
    expect(sh(root, ['--git-dir', bare, 'log', '-1', '--format=%an%n%B', merged])).toMatch(
      /^ABCA\nMerge change request #1: PR 1\n\nMerges feature\/clean into main; merged by ada\./,
    );
    // The branch stays on the remote; merging again changes nothing.
    expect(head('feature/clean')).toBe(tip);
    expect(await merger.merge(repo(), cr(1, 'feature/clean'))).toEqual({
      ok: true,
      commit: merged,
      head: tip,
      alreadyMerged: true,
    });
    expect(head('main')).toBe(merged);
  });

  it('a conflict names the paths and leaves the remote as it was', async () => {
    push('feature/a', { 'README.md': 'from a\n', 'SAME.md': 'a\n' });
    push('feature/b', { 'README.md': 'from b\n', 'SAME.md': 'b\n', 'OTHER.md': 'fine\n' });
    const merger = setup();
    expect(await merger.merge(repo(), cr(2, 'feature/a'))).toMatchObject({ ok: true });
    const before = head('main');
    const refs = sh(root, ['--git-dir', bare, 'for-each-ref']);
    const out = await merger.merge(repo(), cr(3, 'feature/b'));
    expect(out).toEqual({ ok: false, reason: 'conflict', paths: ['README.md', 'SAME.md'] });
    expect(head('main')).toBe(before);
    expect(sh(root, ['--git-dir', bare, 'for-each-ref'])).toBe(refs);
  });

  it('merges onto the new head when the base moved between the refresh and the push', async () => {
    const tip = push('feature/race', { 'RACE.md': 'race\n' });
    let moved = '';
    const merger = setup((m) => ({
      async sync(r, opts) {
        const res = await m.sync(r, opts);
        // Someone pushes to the base right after ABCA's first look at it.
        if (!moved) moved = push('main', { 'UPSTREAM.md': 'upstream\n' });
        return res;
      },
    }));
    const out = await merger.merge(repo(), cr(4, 'feature/race'));
    expect(out).toMatchObject({ ok: true, alreadyMerged: false });
    const merged = head('main');
    const parents = sh(root, ['--git-dir', bare, 'rev-list', '--parents', '-n', '1', merged]).split(' ');
    // The upstream commit is kept (no force): the merge sits on top of it.
    expect(parents.slice(1)).toEqual([moved, tip]);
    expect(show(`${merged}:UPSTREAM.md`)).toBe('upstream');
    expect(show(`${merged}:RACE.md`)).toBe('race');
  });

  it('says which ref is gone when the branch or the base is not on the remote', async () => {
    const merger = setup();
    expect(await merger.merge(repo(), cr(5, 'feature/never-pushed'))).toEqual({
      ok: false,
      reason: 'branch_gone',
      ref: 'feature/never-pushed',
    });
    push('feature/orphan', { 'ORPHAN.md': 'x\n' });
    expect(await merger.merge(repo(), { ...cr(6, 'feature/orphan'), base: 'release' })).toEqual({
      ok: false,
      reason: 'base_gone',
      ref: 'release',
    });
  });

  it('a push the remote refuses (a hook) is a typed failure, the base unchanged', async () => {
    push('feature/hooked', { 'HOOKED.md': 'hooked\n' });
    const before = head('main');
    const hook = join(bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n', { mode: 0o755 });
    try {
      const err = await setup()
        .merge(repo(), cr(7, 'feature/hooked'))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ name: 'ForgeError', code: 'PUSH_REJECTED', retryable: false });
    } finally {
      rmSync(hook);
    }
    expect(head('main')).toBe(before);
  });
});
