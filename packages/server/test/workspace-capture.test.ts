import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend, type ExecResult, type Sandbox } from '@abca/sandbox';
import { leaveLateWriter, waitFor } from '@abca/sandbox/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_BUNDLE_BYTES } from '../src/adapters/workspaces/in-sandbox.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { createHostProcesses, type HostProcesses } from '../src/ops/host-processes.ts';
import type { RepoRef } from '../src/ports/forge.ts';
import type { WorkspaceLimits } from '../src/ports/workspaces.ts';

/**
 * Taking the work out of a real bubblewrap sandbox: a small bundle comes back in the capture's own
 * output (one sandbox command), a larger one is read out as a file (two); either is checked on the
 * host the same way, so a sandbox that prints a forged bundle gets nothing past the check.
 */
const root = mkdtempSync(join(tmpdir(), 'abca-ws-capture-'));
const processes = createHostProcesses();
const backend = createBubblewrapBackend();
const sandboxes: Sandbox[] = [];
const LIMITS: WorkspaceLimits = {
  maxFiles: 1000,
  maxCheckoutBytes: 100 * 1024 * 1024,
  maxCaptureBytes: 8 * 1024 * 1024,
  maxFileBytes: 4 * 1024 * 1024,
};
let remote: string;
let n = 0;

beforeAll(() => {
  const seed = join(root, 'seed');
  mkdirSync(seed);
  const sh = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], { cwd: seed });
  sh('init', '-q', '-b', 'main');
  writeFileSync(join(seed, 'README.md'), 'hello\n');
  sh('add', '-A');
  sh('commit', '-q', '-m', 'seed');
  remote = join(root, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', seed, remote]);
});
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.stop()));
  processes.stopAll();
  rmSync(root, { recursive: true, force: true });
});

/** A sandbox whose commands are counted, and whose exec output `rewrite` may change (a lying sandbox). */
function counted(sandbox: Sandbox, rewrite?: (res: ExecResult) => ExecResult) {
  const calls = { exec: 0, readFile: 0 };
  const wrapped: Sandbox = Object.assign(Object.create(sandbox) as Sandbox, {
    exec: async (command: string, opts?: Parameters<Sandbox['exec']>[1]) => {
      calls.exec++;
      const res = await sandbox.exec(command, opts);
      return rewrite ? rewrite(res) : res;
    },
    readFile: async (path: string, opts?: Parameters<Sandbox['readFile']>[1]) => {
      calls.readFile++;
      return sandbox.readFile(path, opts);
    },
  });
  return { sandbox: wrapped, calls };
}

/** Host processes started, by command line (the capture's host script: `abca-git-script`). */
const started: string[][] = [];
const counting: HostProcesses = {
  run: (argv, opts) => {
    started.push(argv);
    return processes.run(argv, opts);
  },
  stopAll: () => processes.stopAll(),
  running: () => processes.running(),
};
const hostScripts = () => started.filter((argv) => argv.includes('abca-git-script')).length;

const localGit = () =>
  createLocalGit({
    cacheDir: join(root, `cache-${n}`),
    processes: counting,
    remote: async () => ({ url: remote, publicUrl: remote }),
  });

async function workspace() {
  const local = localGit();
  const repo: RepoRef = { repo: 'local/app', defaultBranch: 'main', forge: { kind: 'git', url: remote } };
  const dir = join(root, 'work', `ws-${n}`);
  const branch = `abca/task-${n++}/capture`;
  const made = await local.workspaces.prepare(repo, { dir, branch, limits: LIMITS });
  const sandbox = await backend.create({ taskId: `cap-${process.pid}-${n}`, workspaceDir: dir });
  sandboxes.push(sandbox);
  await local.workspaces.checkout(repo, sandbox);
  const run = async (command: string) => {
    const res = await sandbox.exec(command, { timeoutMs: 60_000 });
    expect(res.exitCode, `${command}\n${res.stderr}`).toBe(0);
    return res.stdout.trim();
  };
  const capture = (sb: Sandbox, workspaces = local.workspaces) =>
    workspaces.capture(repo, sb, {
      branch,
      baseCommit: made.baseCommit,
      message: 'Leftovers',
      limits: LIMITS,
    });
  const cacheDir = join(root, `cache-${n - 1}`);
  return { sandbox, run, capture, workspaces: local.workspaces, repo, branch, made, dir, cacheDir };
}

describe('taking the work out of the sandbox', () => {
  it('brings a small bundle back in the capture command itself: one sandbox command', async () => {
    const w = await workspace();
    await w.run('echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
    const { sandbox, calls } = counted(w.sandbox);
    const captured = await w.capture(sandbox);
    expect(calls).toEqual({ exec: 1, readFile: 0 });
    expect(captured.commits.map((c) => c.subject)).toEqual(['Agent change']);
    expect(captured.head).toBe(await w.run('git rev-parse HEAD'));
    expect(captured.bundle?.length).toBeLessThanOrEqual(INLINE_BUNDLE_BYTES);
    // What came back is a bundle that pushes.
    expect(
      await w.workspaces.push(w.repo, { branch: w.branch, baseCommit: w.made.baseCommit, capture: captured }),
    ).toEqual({ commit: captured.head });
  });

  it('reads a bundle over the inline size out as a file, checked the same way', async () => {
    const w = await workspace();
    // Random bytes do not compress: the bundle is over the inline size.
    await w.run(
      `head -c ${INLINE_BUNDLE_BYTES * 2} /dev/urandom > blob.bin && git add -A && git commit -q -m "Big change"`,
    );
    const { sandbox, calls } = counted(w.sandbox);
    const captured = await w.capture(sandbox);
    expect(calls).toEqual({ exec: 1, readFile: 1 });
    expect(captured.bundle?.length).toBeGreaterThan(INLINE_BUNDLE_BYTES);
    expect(captured.commits.map((c) => c.subject)).toEqual(['Big change']);
    // The read is the capture's own: nothing else ran, so the capture is kept.
    expect(await w.capture(sandbox)).toBe(captured);
    expect(calls).toEqual({ exec: 1, readFile: 1 });
  });

  it('refuses a forged bundle the sandbox prints, and reads the file when the printed one is cut', async () => {
    const w = await workspace();
    await w.run('echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
    const forged = Buffer.from('# v2 git bundle\nnot really\n');
    const lying = counted(w.sandbox, (res) => ({
      ...res,
      stdout: res.stdout
        .replace(/^bundle_bytes=\d+$/m, `bundle_bytes=${forged.length}`)
        .replace(/^bundle64=.*$/m, `bundle64=${forged.toString('base64')}`),
    }));
    await expect(w.capture(lying.sandbox)).rejects.toMatchObject({ code: 'WORKSPACE_CORRUPT' });
    // A printed bundle whose size does not match what was announced is not used: the file is read.
    const cut = counted(w.sandbox, (res) => ({
      ...res,
      stdout: res.stdout.replace(/^(bundle64=.{8}).*$/m, '$1'),
    }));
    const captured = await w.capture(cut.sandbox);
    expect(cut.calls).toEqual({ exec: 1, readFile: 1 });
    expect(captured.commits.map((c) => c.subject)).toEqual(['Agent change']);
  });

  it('refuses work whose tree holds more files than a checkout may (WORK_TOO_LARGE), at the limit or under it takes it', async () => {
    const w = await workspace();
    // The seed's README plus 999 new files: exactly the limit of 1,000.
    await w.run(
      'mkdir many && (cd many && seq 1 999 | xargs touch) && git add -A && git commit -q -m "At the limit"',
    );
    const atLimit = await w.capture(w.sandbox);
    expect(atLimit.commits.map((c) => c.subject)).toEqual(['At the limit']);
    // One more, left uncommitted: the capture's own commit of leftovers counts it too.
    await w.run('touch many/one-more');
    await expect(w.capture(w.sandbox)).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
      message: expect.stringMatching(/holds 1001 files; a workspace holds at most 1000/),
    });
    // Removing files gets the work back under the limit.
    await w.run('rm many/1 many/2');
    const under = await w.capture(w.sandbox);
    expect(under.head).toBe(await w.run('git rev-parse HEAD'));
  });

  it('takes the work out once while nothing runs in the sandbox, and again after a command', async () => {
    const w = await workspace();
    await w.run('echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
    const { sandbox, calls } = counted(w.sandbox);
    const first = await w.capture(sandbox);
    expect(calls.exec).toBe(1);
    // The agent step's checkpoint, then finalization: nothing ran in between, nothing is run again.
    expect(await w.capture(sandbox)).toBe(first);
    expect(calls.exec).toBe(1);
    // Any command may have changed the work (here it did): it is taken out again.
    await w.run('echo more > MORE.md');
    const second = await w.capture(sandbox);
    expect(calls.exec).toBe(2);
    expect(second.commits.map((c) => c.subject)).toEqual(['Agent change', 'Leftovers']);
    expect(second.paths).toContain('MORE.md');
    // Another process (another worker taking the task over) keeps nothing: it captures.
    expect((await w.capture(sandbox, localGit().workspaces)).head).toBe(second.head);
    expect(calls.exec).toBe(3);
    // A sandbox that cannot say what ran in it is always asked.
    const blind = counted(Object.assign(Object.create(w.sandbox) as Sandbox, { activity: undefined }));
    await w.capture(blind.sandbox);
    await w.capture(blind.sandbox);
    expect(blind.calls.exec).toBe(2);
  });

  it.skipIf(!existsSync('/usr/bin/gdb'))(
    'takes the work out again when a process left behind in the sandbox wrote after the capture',
    async () => {
      const w = await workspace();
      await w.run('echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
      // A process that outlives its command (see leaveLateWriter), stopped until released.
      const writer = await leaveLateWriter(w.sandbox, '/workspace/LATE.md', 'late');
      const { sandbox, calls } = counted(w.sandbox);
      const first = await w.capture(sandbox);
      expect(first.commits.map((c) => c.subject)).toEqual(['Agent change']);
      expect(first.paths).not.toContain('LATE.md');
      writer.release();
      await waitFor(() => existsSync(join(w.dir, 'LATE.md')), 30_000, 'the late write');
      // No command ran since the capture, but something did: the late write is taken out.
      const second = await w.capture(sandbox);
      expect(calls.exec).toBe(2);
      expect(second.commits.map((c) => c.subject)).toEqual(['Agent change', 'Leftovers']);
      expect(second.paths).toContain('LATE.md');
    },
  );

  it('pushes from the scratch repository the capture was checked in, and checks the bundle again otherwise', async () => {
    const w = await workspace();
    const remoteHead = () =>
      execFileSync('git', ['--git-dir', remote, 'rev-parse', `refs/heads/${w.branch}`])
        .toString()
        .trim();
    const scratch = () => readdirSync(join(w.cacheDir, 'scratch'));
    const push = (capture: Awaited<ReturnType<typeof w.capture>>) =>
      w.workspaces.push(w.repo, { branch: w.branch, baseCommit: w.made.baseCommit, capture });
    await w.run('echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
    const first = await w.capture(w.sandbox);
    expect(scratch()).toHaveLength(1);
    const scripts = hostScripts();
    expect(await push(first)).toEqual({ commit: first.head });
    expect(hostScripts()).toBe(scripts);
    expect(remoteHead()).toBe(first.head);
    // Used once: the folder is gone with the push.
    expect(scratch()).toEqual([]);
    // Another capture object (as read back from the checkpoint, or in another process): checked again.
    await w.run('echo more > MORE.md');
    const second = await w.capture(w.sandbox);
    expect(await push({ ...second })).toEqual({ commit: second.head });
    expect(hostScripts()).toBe(scripts + 2);
    expect(remoteHead()).toBe(second.head);
    // A kept folder that no longer holds the capture's head is not used (and goes).
    const [kept = ''] = scratch();
    writeFileSync(join(w.cacheDir, 'scratch', kept, 'refs', 'abca', 'work'), `${first.head}\n`);
    expect(await push(second)).toEqual({ commit: second.head });
    expect(hostScripts()).toBe(scripts + 3);
    expect(scratch()).toEqual([]);
  });
});
