import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend, type ExecResult, type Sandbox } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_BUNDLE_BYTES } from '../src/adapters/workspaces/in-sandbox.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { createHostProcesses } from '../src/ops/host-processes.ts';
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

async function workspace() {
  const local = createLocalGit({
    cacheDir: join(root, `cache-${n}`),
    processes,
    remote: async () => ({ url: remote, publicUrl: remote }),
  });
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
  const capture = (sb: Sandbox) =>
    local.workspaces.capture(repo, sb, {
      branch,
      baseCommit: made.baseCommit,
      message: 'Leftovers',
      limits: LIMITS,
    });
  return { sandbox, run, capture, workspaces: local.workspaces, repo, branch, made };
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
});
