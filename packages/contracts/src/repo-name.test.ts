import { describe, expect, it } from 'vitest';
import { RepoName } from './task.ts';

describe('RepoName', () => {
  it('takes owner/name and name, with dots inside', () => {
    for (const ok of ['acme/app', 'app', 'acme/app.js', 'a.b/c..d', '.github/.github', 'acme/...'])
      expect(RepoName.safeParse(ok).success, ok).toBe(true);
  });
  it('refuses `.` and `..` as the owner or the name, and more than two segments', () => {
    for (const bad of [
      '..',
      '.',
      '../app',
      './app',
      'acme/..',
      'acme/.',
      '../..',
      'a/b/c',
      'acme/',
      '/app',
      '',
    ])
      expect(RepoName.safeParse(bad).success, bad).toBe(false);
  });
});
