import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkBranchName } from './branch-name.ts';

/** The check without a process must agree with git's own `check-ref-format`. */
describe('checkBranchName', () => {
  const names = [
    'abca/01j9z3k8q2w5v7x1y4t6r8n0mb/add-a-flag',
    'main',
    'feature/x.y',
    'a-b_c',
    '-starts-with-dash',
    'has space',
    'has..dots',
    'ends.lock',
    'dir/.hidden',
    'trailing/',
    '/leading',
    'double//slash',
    'ends.',
    'at@{sign',
    '@',
    'tilde~1',
    'caret^',
    'colon:x',
    'question?',
    'star*',
    'bracket[',
    'back\\slash',
    'tab\tname',
    'ok@sign',
    'unicode-é',
  ];
  it.each(names)('%j as git sees it', (name) => {
    const git =
      spawnSync('git', ['check-ref-format', `refs/heads/${name}`]).status === 0 && !name.startsWith('-');
    let ours = true;
    try {
      checkBranchName(name);
    } catch {
      ours = false;
    }
    expect(ours).toBe(git);
  });
});
