import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../../git/git-cli.ts';
import { createHostProcesses, type HostProcesses } from '../../ops/host-processes.ts';
import { checkCapture, fetchCapture } from './verify-capture.ts';

/**
 * The host's own check of a capture, apart from the sandbox's: a file over the limit in a bundle
 * is refused even when the sandbox did not say so (the sandbox's early refusal is only a saving).
 * Each check the host makes has a bundle here that fails it, and each is made in one process.
 */
const root = mkdtempSync(join(tmpdir(), 'abca-verify-capture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }).trim();

const BRANCH = 'abca/task-1/work';

/** A repository with a base commit on main and `BRANCH` checked out from it. */
function makeWork(name: string): { work: string; base: string } {
  const work = join(root, name);
  mkdirSync(work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README.md'), 'base\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'base');
  const base = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', '-b', BRANCH);
  return { work, base };
}

function commitFile(work: string, file: string, content: string | Buffer, message = `add ${file}`): string {
  writeFileSync(join(work, file), content);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', message);
  return git(work, 'rev-parse', 'HEAD');
}

function bundleOf(work: string, name: string, ...revs: string[]): Buffer {
  const file = join(root, `${name}.bundle`);
  git(work, 'bundle', 'create', '-q', file, ...revs);
  return readFileSync(file);
}

/** A bare repository holding the base (as the scratch repository borrows the mirror's objects). */
function scratchOf(work: string, name: string): string {
  const dir = join(root, `scratch-${name}`);
  git(root, 'clone', '-q', '--bare', work, dir);
  return dir;
}

/** Host processes that count what they start (real processes). */
function countingProcesses(): { processes: HostProcesses; started: string[][] } {
  const real = createHostProcesses();
  const started: string[][] = [];
  return {
    started,
    processes: {
      ...real,
      run(argv, opts) {
        started.push(argv);
        return real.run(argv, opts);
      },
    },
  };
}

const refOf = (repo: string, ref: string) => {
  try {
    return git(repo, 'rev-parse', '--verify', '--quiet', ref);
  } catch {
    return undefined;
  }
};

describe('fetchCapture', () => {
  it('refuses a bundle that adds a file over the limit, and takes one under it', async () => {
    const { work, base } = makeWork('big');
    commitFile(work, 'big.bin', Buffer.alloc(300_000, 7), 'big');
    const bundle = bundleOf(work, 'big', `refs/heads/${BRANCH}`, `^${base}`);
    const opts = { branch: BRANCH, baseCommit: base, ref: 'refs/abca/work' };
    const cli = createGitCli();
    await expect(
      fetchCapture(cli, scratchOf(work, 'refused'), bundle, { ...opts, maxFileBytes: 100_000 }),
    ).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
      message: expect.stringMatching(/file of 300000 bytes; files over 100000 bytes/),
    });
    const head = await fetchCapture(cli, scratchOf(work, 'taken'), bundle, {
      ...opts,
      maxFileBytes: 1_000_000,
    });
    expect(head).toBe(git(work, 'rev-parse', 'HEAD'));
  });

  it('refuses a bundle of two branches, of another branch, or no bundle at all, fetching nothing', async () => {
    const { work, base } = makeWork('heads');
    commitFile(work, 'A.md', 'a\n');
    git(work, 'branch', 'other');
    const opts = { branch: BRANCH, baseCommit: base, ref: 'refs/abca/work', maxFileBytes: 1e6 };
    const cases: [string, Buffer][] = [
      ['two', bundleOf(work, 'two', `refs/heads/${BRANCH}`, 'refs/heads/other', `^${base}`)],
      ['another', bundleOf(work, 'another', 'refs/heads/other', `^${base}`)],
      ['garbage', Buffer.from('# v2 git bundle\nnot a bundle at all\n')],
    ];
    for (const [name, bundle] of cases) {
      const scratch = scratchOf(work, `heads-${name}`);
      await expect(fetchCapture(createGitCli(), scratch, bundle, opts)).rejects.toMatchObject({
        code: 'WORKSPACE_CORRUPT',
        message: expect.stringMatching(/is not a bundle of refs\/heads\/abca\/task-1\/work alone/),
      });
      expect(refOf(scratch, 'refs/abca/work')).toBeUndefined();
    }
  });

  it('refuses a bundle git cannot fetch (its prerequisites are not the base), naming no host path', async () => {
    const { work, base } = makeWork('prereq');
    const scratch = scratchOf(work, 'prereq');
    // The bundle leaves out a commit the host does not have: git's fetch refuses it.
    const unknown = commitFile(work, 'A.md', 'a\n');
    commitFile(work, 'B.md', 'b\n');
    const bundle = bundleOf(work, 'prereq', `refs/heads/${BRANCH}`, `^${unknown}`);
    const err = await fetchCapture(createGitCli(), scratch, bundle, {
      branch: BRANCH,
      baseCommit: base,
      ref: 'refs/abca/work',
      maxFileBytes: 1e6,
    }).catch((e: Error) => e);
    expect(err).toMatchObject({
      code: 'WORKSPACE_CORRUPT',
      message: expect.stringMatching(/failed its checks: .*prerequisite/),
    });
    expect((err as Error).message).not.toContain(scratch);
    expect(refOf(scratch, 'refs/abca/work')).toBeUndefined();
  });

  it('refuses a bundle holding a malformed object, which git 2.39 would fetch from a bundle unchecked', async () => {
    const { work, base } = makeWork('baddate');
    const tree = git(work, 'write-tree');
    // A commit whose author date is not a date: fsck's badDate.
    const bad = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], {
      cwd: work,
      input: `tree ${tree}\nparent ${base}\nauthor A <a@b> notadate +0000\ncommitter A <a@b> 1700000000 +0000\n\nbad\n`,
      encoding: 'utf8',
    }).trim();
    git(work, 'update-ref', `refs/heads/${BRANCH}`, bad);
    const bundle = bundleOf(work, 'baddate', `refs/heads/${BRANCH}`, `^${base}`);
    const scratch = scratchOf(work, 'baddate');
    await expect(
      fetchCapture(createGitCli(), scratch, bundle, {
        branch: BRANCH,
        baseCommit: base,
        ref: 'refs/abca/work',
        maxFileBytes: 1e6,
      }),
    ).rejects.toMatchObject({
      code: 'WORKSPACE_CORRUPT',
      message: expect.stringMatching(/failed its checks: .*badDate/),
    });
    expect(refOf(scratch, 'refs/abca/work')).toBeUndefined();
  });

  it('refuses work that does not descend from the base, unless it was verified already', async () => {
    const { work, base } = makeWork('orphan');
    git(work, 'checkout', '-q', '--orphan', 'tmp');
    const orphan = commitFile(work, 'X.md', 'x\n', 'orphan');
    git(work, 'branch', '-f', BRANCH, 'tmp');
    const bundle = bundleOf(work, 'orphan', `refs/heads/${BRANCH}`);
    const opts = { branch: BRANCH, baseCommit: base, ref: 'refs/abca/work', maxFileBytes: 1e6 };
    await expect(fetchCapture(createGitCli(), scratchOf(work, 'orphan'), bundle, opts)).rejects.toMatchObject(
      {
        code: 'WORKSPACE_CORRUPT',
        message: expect.stringMatching(/no longer descends from its base commit/),
      },
    );
    // A push of a capture checked moments ago checks the bundle only.
    expect(
      await fetchCapture(createGitCli(), scratchOf(work, 'orphan-2'), bundle, { ...opts, verified: true }),
    ).toBe(orphan);
  });

  it('makes the scratch repository, checks and lists the work in one process', async () => {
    const { work, base } = makeWork('list');
    const mirror = scratchOf(work, 'list-mirror');
    commitFile(work, 'ONE.md', 'one\n', 'First change');
    writeFileSync(join(work, 'README.md'), 'changed\n');
    const head = commitFile(work, 'TWO.md', 'two\n', `Second change ${'y'.repeat(500)}`);
    const bundle = bundleOf(work, 'list', `refs/heads/${BRANCH}`, `^${base}`);
    const { processes, started } = countingProcesses();
    const scratch = mkdtempSync(join(root, 'made-'));
    const checked = await checkCapture(createGitCli({ processes }), scratch, bundle, {
      branch: BRANCH,
      baseCommit: base,
      ref: 'refs/abca/work',
      maxFileBytes: 1e6,
      borrow: join(mirror, 'objects'),
      list: true,
    });
    expect(started).toHaveLength(1);
    expect(checked.head).toBe(head);
    expect(checked.commits.map((c) => c.subject)).toEqual([
      'First change',
      `Second change ${'y'.repeat(186)}`,
    ]);
    expect(checked.commits.at(-1)?.sha).toBe(head);
    expect(checked.paths.sort()).toEqual(['ONE.md', 'README.md', 'TWO.md']);
    expect(refOf(scratch, 'refs/abca/work')).toBe(head);
    expect(readFileSync(join(scratch, 'objects', 'info', 'alternates'), 'utf8')).toBe(
      `${join(mirror, 'objects')}\n`,
    );
    // Nothing of the script's output is left behind.
    expect(existsSync(join(scratch, 'heads'))).toBe(false);
  });
});

describe('the changed paths of a capture', () => {
  it('lists the files a change touches, and cuts a huge change instead of failing', async () => {
    const { work, base } = makeWork('paths');
    mkdirSync(join(work, 'many'));
    // 11,000 files with 100-character names: more than a MiB of names, over any output cap.
    for (let i = 0; i < 11000; i++)
      writeFileSync(join(work, 'many', `${String(i).padStart(95, 'f')}.txt`), '');
    commitFile(work, 'README.md', 'changed\n', 'huge');
    const bundle = bundleOf(work, 'paths', `refs/heads/${BRANCH}`, `^${base}`);
    const checked = await checkCapture(createGitCli(), scratchOf(work, 'paths'), bundle, {
      branch: BRANCH,
      baseCommit: base,
      ref: 'refs/abca/work',
      maxFileBytes: 1e6,
      list: true,
    });
    expect(checked.paths).toHaveLength(200);
    expect(checked.paths.every((p) => p === 'README.md' || /^many\/f+\d+\.txt$/.test(p))).toBe(true);
    expect(checked.commits.map((c) => c.subject)).toEqual(['huge']);
  });
});
