import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inDiff, newSideLines } from './diff-lines.ts';

/** A real `git diff` of a few edits: the lines a comment may name come from git's own output. */
function realDiff(): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-diff-lines-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' },
    });
  try {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    writeFileSync(join(dir, 'a.txt'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'gone.txt'), 'bye\n');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    // Line 2 replaced, a line added after 25 (new line 26); the lines between are not in any hunk.
    const edited = [...lines];
    edited[1] = 'line two';
    edited.splice(25, 0, 'inserted');
    writeFileSync(join(dir, 'a.txt'), `${edited.join('\n')}\n`);
    writeFileSync(join(dir, 'café.md'), 'one\ntwo\n');
    unlinkSync(join(dir, 'gone.txt'));
    git('add', '-A');
    return git('diff', '--cached', '--no-ext-diff');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('newSideLines', () => {
  const lines = newSideLines(realDiff());

  it('holds added lines and the context around them, not lines outside any hunk', () => {
    expect(inDiff(lines, 'a.txt', 2)).toBe(true); // the changed line
    expect(inDiff(lines, 'a.txt', 1)).toBe(true); // context before it
    expect(inDiff(lines, 'a.txt', 5)).toBe(true); // last context line of the first hunk
    expect(inDiff(lines, 'a.txt', 6)).toBe(false);
    expect(inDiff(lines, 'a.txt', 15)).toBe(false);
    expect(inDiff(lines, 'a.txt', 26)).toBe(true); // the inserted line
    expect(inDiff(lines, 'a.txt', 29)).toBe(true); // last context line after it
    expect(inDiff(lines, 'a.txt', 30)).toBe(false);
  });

  it('reads quoted paths and new files; a deleted file and an unknown one have no lines', () => {
    expect(inDiff(lines, 'café.md', 1)).toBe(true);
    expect(inDiff(lines, 'café.md', 2)).toBe(true);
    expect(inDiff(lines, 'café.md', 3)).toBe(false);
    expect(lines.has('gone.txt')).toBe(false);
    expect(inDiff(lines, 'nope.txt', 1)).toBe(false);
  });

  it('an empty diff has no lines', () => {
    expect(newSideLines('').size).toBe(0);
  });
});

const DIFF = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,4 +1,5 @@',
  ' line one',
  '-old two',
  '+new two',
  '+added three',
  ' line four',
  ' line five',
  '@@ -20,2 +21,2 @@ function f() {',
  ' context 21',
  '-old 22',
  '+new 22',
  'diff --git a/gone.txt b/gone.txt',
  'deleted file mode 100644',
  '--- a/gone.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-bye',
  'diff --git a/new.md b/new.md',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/new.md',
  '@@ -0,0 +1 @@',
  '+hello',
  '\\ No newline at end of file',
].join('\n');

describe('the lines of a hand-written diff a review comment may name', () => {
  const lines = newSideLines(DIFF);
  it('holds the added and context lines of each hunk on the new side', () => {
    expect([...(lines.get('src/a.ts') ?? [])].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 21, 22]);
    expect(inDiff(lines, 'new.md', 1)).toBe(true);
  });
  it('leaves out lines outside the hunks, deleted files and unknown paths', () => {
    expect(inDiff(lines, 'src/a.ts', 6)).toBe(false);
    expect(inDiff(lines, 'src/a.ts', 20)).toBe(false);
    expect(lines.has('gone.txt')).toBe(false);
    expect(inDiff(lines, 'nope.ts', 1)).toBe(false);
  });
  it('reads a header-like added line inside a hunk as content, not a new file', () => {
    const tricky = ['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1,1 +1,2 @@', ' a', '+++ b/evil'].join(
      '\n',
    );
    const l = newSideLines(tricky);
    expect([...(l.get('x') ?? [])]).toEqual([1, 2]);
    expect(l.has('evil')).toBe(false);
  });
  it('never throws on garbage', () => {
    expect(newSideLines('@@ nonsense\n+++\n\u0000').size).toBe(0);
  });
});
