import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A bare git repository in a temp folder with `files` as its first commit on `main`. */
export function makeRemote(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-remote-'));
  const work = join(dir, 'work');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', work, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
      encoding: 'utf8',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Initial commit');
  const bare = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

export const GREET_OK = {
  'greet.js': ['export function greet(name) {', '  return `Hello, $' + '{name}!`;', '}', ''].join('\n'),
  'greet.test.js':
    "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { greet } from './greet.js';\n\ntest('greets', () => assert.equal(greet('Ada'), 'Hello, Ada!'));\n",
  'package.json': '{ "type": "module" }\n',
};
