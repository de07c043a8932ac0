import { describe, expect, it } from 'vitest';
import { globToRegExp } from './glob-to-regexp.ts';

describe('globToRegExp', () => {
  const cases: [string, string[], string[]][] = [
    ['**/*.ts', ['a.ts', 'src/a.ts', 'src/x/y.ts'], ['a.tsx', 'src/a.js']],
    ['src/*.ts', ['src/a.ts'], ['src/x/a.ts', 'a.ts']],
    ['src/**', ['src/a', 'src/x/y'], ['lib/a']],
    ['*.{ts,md}', ['a.ts', 'b.md'], ['c.js']],
    ['file?.[ch]', ['file1.c', 'fileX.h'], ['file10.c', 'file1.o']],
    ['[!a]*.txt', ['b.txt'], ['a.txt']],
    ['a+b(c).txt', ['a+b(c).txt'], ['aab(c).txt']],
  ];
  for (const [glob, yes, no] of cases) {
    it(glob, () => {
      const re = globToRegExp(glob);
      for (const path of yes) expect(re.test(path), path).toBe(true);
      for (const path of no) expect(re.test(path), path).toBe(false);
    });
  }
});
