import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../../../git/git-cli.ts';
import { createHostProcesses, type HostProcesses } from '../../../ops/host-processes.ts';
import { listChange } from './change-listing.ts';

const root = mkdtempSync(join(tmpdir(), 'abca-change-listing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd: root,
    encoding: 'utf8',
  }).trim();

describe('listChange', () => {
  it('lists merge base, commits and diff in one process, and cuts a diff over its size', async () => {
    git('init', '-q', '-b', 'main');
    writeFileSync(join(root, 'README.md'), 'base\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    const base = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-b', 'work');
    writeFileSync(join(root, 'A.md'), `${'a'.repeat(5000)}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', 'Add A');
    writeFileSync(join(root, 'B.md'), 'b\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'Add B');
    const head = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'main');
    writeFileSync(join(root, 'MAIN.md'), 'moved on\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'main moves');
    const baseTip = git('rev-parse', 'HEAD');

    const real = createHostProcesses();
    const started: string[][] = [];
    const processes: HostProcesses = {
      ...real,
      run(argv, opts) {
        started.push(argv);
        return real.run(argv, opts);
      },
    };
    const whole = await listChange(createGitCli({ processes }), root, baseTip, head, 1024 * 1024);
    expect(started).toHaveLength(1);
    expect(whole.base).toBe(base);
    expect(whole.commits.map((c) => [c.subject, c.author])).toEqual([
      ['Add A', 'T'],
      ['Add B', 'T'],
    ]);
    expect(whole.commits.at(-1)?.sha).toBe(head);
    expect(whole.diff).toContain('+b');
    expect(whole.diff).not.toContain('MAIN.md');
    expect(whole.complete).toBe(true);

    const cut = await listChange(createGitCli(), root, baseTip, head, 1000);
    expect(cut.diff).toMatch(/\n\[diff cut at 1000 bytes\]\n$/);
    expect(cut.diff.length).toBeLessThan(1100);
    expect(cut.complete).toBe(true);

    await expect(listChange(createGitCli(), root, baseTip, '--output=/tmp/x', 1000)).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    });
  });
});
