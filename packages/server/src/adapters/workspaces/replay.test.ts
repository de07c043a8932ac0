import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitCli } from '../../git/git-cli.ts';
import { ForgeError } from '../../ports/forge.ts';
import { replayOnto } from './replay.ts';

const git = createGitCli({});

function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'abca-replay-'));
  const g = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
        GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
      },
    }).trim();
  g('init', '-q', '-b', 'main');
  const commit = (file: string, text: string, msg: string) => {
    writeFileSync(join(dir, file), text);
    g('add', '-A');
    g('commit', '-q', '-m', msg);
    return g('rev-parse', 'HEAD');
  };
  return { dir, g, commit };
}

describe('replayOnto', () => {
  it('replays the work onto a newer head: same changes, same authors and messages, theirs kept', async () => {
    const r = repo();
    const base = r.commit('a.txt', 'one\ntwo\nthree\n', 'Base');
    r.g('checkout', '-q', '-b', 'work');
    r.commit('a.txt', 'one\ntwo\nthree\nfour\n', 'Add four');
    const head = r.commit('b.txt', 'bee\n', 'Add b');
    r.g('checkout', '-q', 'main');
    const onto = r.commit('c.txt', 'theirs\n', 'Theirs');
    const out = await replayOnto(git, r.dir, { base, head, onto, branch: 'work' });
    expect(r.g('rev-list', '--count', `${onto}..${out}`)).toBe('2');
    expect(r.g('rev-parse', `${out}~2`)).toBe(onto);
    expect(r.g('log', '--format=%s|%an', `${onto}..${out}`)).toBe('Add b|T\nAdd four|T');
    expect(r.g('show', `${out}:a.txt`)).toBe('one\ntwo\nthree\nfour');
    expect(r.g('show', `${out}:c.txt`)).toBe('theirs');
    expect(r.g('show', `${out}:b.txt`)).toBe('bee');
    // The same work onto the same head: the same commit (a retry pushes nothing new).
    expect(await replayOnto(git, r.dir, { base, head, onto, branch: 'work' })).toBe(out);
  });

  it('gives up with PUSH_CONFLICT on a conflict or a rewritten branch', async () => {
    const r = repo();
    const base = r.commit('a.txt', 'one\n', 'Base');
    r.g('checkout', '-q', '-b', 'work');
    const head = r.commit('a.txt', 'mine\n', 'Mine');
    r.g('checkout', '-q', 'main');
    const onto = r.commit('a.txt', 'theirs\n', 'Theirs');
    const err = await replayOnto(git, r.dir, { base, head, onto, branch: 'work' }).catch((e) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err.code).toBe('PUSH_CONFLICT');
    expect(err.message).toContain('conflicts');
    r.g('checkout', '-q', '--orphan', 'other');
    const rewritten = r.commit('z.txt', 'z\n', 'Rewritten');
    const gone = await replayOnto(git, r.dir, { base, head, onto: rewritten, branch: 'work' }).catch(
      (e) => e,
    );
    expect(gone.code).toBe('PUSH_CONFLICT');
    expect(gone.message).toContain('rewritten');
  });
});
