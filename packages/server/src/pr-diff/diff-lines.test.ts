import { describe, expect, it } from 'vitest';
import { diffLines, inDiff } from './diff-lines.ts';

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

describe('the lines of a diff a review comment may name', () => {
  const lines = diffLines(DIFF);
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
    const l = diffLines(tricky);
    expect([...(l.get('x') ?? [])]).toEqual([1, 2]);
    expect(l.has('evil')).toBe(false);
  });
  it('never throws on garbage', () => {
    expect(diffLines('@@ nonsense\n+++\n\u0000').size).toBe(0);
  });
});
