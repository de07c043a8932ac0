import { describe, expect, it } from 'vitest';
import { newSideLines } from '../../git/diff-lines.ts';
import { MAX_BODY_CHARS, placeComments } from './place-comments.ts';

const DIFF = [
  'diff --git a/greet.js b/greet.js',
  '--- a/greet.js',
  '+++ b/greet.js',
  '@@ -1,3 +1,4 @@',
  ' export function greet(name) {',
  '-  return "Hello";',
  '+  const who = name ?? "world";',
  '+  return "Hello, " + who;',
  ' }',
  'diff --git a/old.js b/old.js',
  'deleted file mode 100644',
  '--- a/old.js',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-gone',
  '',
].join('\n');

describe('placeComments', () => {
  const lines = newSideLines(DIFF);

  it('keeps comments on new-side lines and moves the others into the body, none dropped', () => {
    const placed = placeComments(
      {
        summary: 'Two findings.',
        verdict: 'request_changes',
        comments: [
          { path: 'greet.js', line: 3, body: 'Template literal is fine.' },
          { path: './greet.js', line: 2, body: 'Why `??`?' },
          { path: 'greet.js', line: 40, body: 'Line outside the hunk.' },
          { path: 'other.js', line: 1, body: 'A file not in the diff.' },
          { path: 'old.js', line: 1, body: 'A deleted file.' },
        ],
      },
      lines,
    );
    expect(placed.comments).toEqual([
      { path: 'greet.js', line: 3, body: 'Template literal is fine.' },
      { path: 'greet.js', line: 2, body: 'Why `??`?' },
    ]);
    expect(placed.moved.map((c) => `${c.path}:${c.line}`)).toEqual(['greet.js:40', 'other.js:1', 'old.js:1']);
    expect(placed.body).toMatch(/^Two findings\.\n\n### Comments outside the diff/);
    expect(placed.body).toContain('- `greet.js:40`: Line outside the hunk.');
    expect(placed.body).toContain('- `other.js:1`: A file not in the diff.');
    expect(placed.body).toContain('- `old.js:1`: A deleted file.');
  });

  it('a body with nothing moved is the summary', () => {
    const placed = placeComments({ summary: ' Fine. ', verdict: 'approve', comments: [] }, lines);
    expect(placed).toEqual({ body: 'Fine.', comments: [], moved: [] });
  });

  it('moves every comment when the diff cannot be trusted (the PR moved on)', () => {
    const placed = placeComments(
      { summary: 'S', verdict: 'comment', comments: [{ path: 'greet.js', line: 3, body: 'B' }] },
      undefined,
    );
    expect(placed.comments).toEqual([]);
    expect(placed.moved).toHaveLength(1);
    expect(placed.body).toContain('changed while it was being reviewed');
    expect(placed.body).toContain('- `greet.js:3`: B');
  });

  it('stays within a body a forge takes, whatever the sizes, and still lists every moved comment', () => {
    const comments = Array.from({ length: 100 }, (_, i) => ({
      path: `far/${i}.js`,
      line: i + 1,
      body: `x${'y'.repeat(20_000)}\nsecond line`,
    }));
    const placed = placeComments({ summary: 's'.repeat(60_000), verdict: 'comment', comments }, lines);
    expect(placed.body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(placed.moved).toHaveLength(100);
    for (let i = 0; i < 100; i += 1) expect(placed.body).toContain(`- \`far/${i}.js:${i + 1}\`: xyyy`);
    expect(placed.body).toContain('[… cut to fit]');
  });
});
