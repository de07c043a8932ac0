import { describe, expect, it } from 'vitest';
import {
  buildMemoryQuery,
  pathsInDiff,
  pathsInText,
  QUERY_MAX_PATHS,
  QUERY_TEXT_MAX_CHARS,
} from './query.ts';

describe('the memory query of a task', () => {
  it('finds the paths a text names, not URLs, versions or sentence ends', () => {
    expect(
      pathsInText(
        'Fix src/api/users.ts and greet.js. See https://example.com/a/b and v1.2.3; ./docs/api.md too.',
      ),
    ).toEqual(['src/api/users.ts', 'greet.js', 'docs/api.md']);
  });

  it('finds the files a diff touches', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      'diff --git a/gone.ts b/gone.ts',
      '+++ /dev/null',
    ].join('\n');
    expect(pathsInDiff(diff)).toEqual(['src/a.ts', 'src/a.ts', 'gone.ts']);
  });

  it("holds the task's text, the issue, the PR's title and threads, their paths and the user", () => {
    const q = buildMemoryQuery({
      repo: 'acme/web',
      userId: 'alice',
      description: 'Make the greeting louder',
      issue: { number: 4, title: 'Greeting too quiet', body: 'In lib/greet.js', comments: [] },
      pullRequest: {
        title: 'Louder greeting',
        diff: 'diff --git a/lib/greet.js b/lib/greet.js\n+++ b/lib/greet.js\n',
        reviewThreads: [
          {
            id: 't1',
            path: 'test/greet.test.js',
            line: 3,
            outdated: false,
            comments: [{ author: 'bob', body: 'use the logger' }],
          },
        ],
      },
    });
    expect(q.repo).toBe('acme/web');
    expect(q.userId).toBe('alice');
    for (const part of [
      'Make the greeting louder',
      'Louder greeting',
      'use the logger',
      'Greeting too quiet',
    ])
      expect(q.text).toContain(part);
    expect(q.paths).toEqual(['lib/greet.js', 'test/greet.test.js']);
  });

  it('is bounded: a huge task text and thousands of paths', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `src/f${i}.ts`).join(' ');
    const q = buildMemoryQuery({ repo: 'r', description: `${'word '.repeat(100_000)} ${many}` });
    expect(q.text.length).toBeLessThanOrEqual(QUERY_TEXT_MAX_CHARS);
    expect(q.paths.length).toBeLessThanOrEqual(QUERY_MAX_PATHS);
    const paths = buildMemoryQuery({ repo: 'r', description: many }).paths;
    expect(paths).toHaveLength(QUERY_MAX_PATHS);
    expect(paths[0]).toBe('src/f0.ts');
  });

  it('has no user when the task has none, and no paths that climb out of the repo', () => {
    const q = buildMemoryQuery({ repo: 'r', description: 'read ../../etc/passwd and a/b.ts' });
    expect(q.userId).toBeUndefined();
    expect(q.paths).toEqual(['a/b.ts']);
  });
});
