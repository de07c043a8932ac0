import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBubblewrapBackend,
  detectCgroupLayout,
  type Sandbox,
  type SandboxEvent,
  sandboxCgroupName,
} from '../src/index.ts';

const backend = createBubblewrapBackend();

describe('bubblewrap backend specifics', () => {
  let root: string;
  const sandboxes: Sandbox[] = [];
  const track = (sandbox: Sandbox) => {
    sandboxes.push(sandbox);
    return sandbox;
  };

  beforeAll(async () => {
    const availability = await backend.available();
    if (!availability.ok)
      throw new Error(`bubblewrap unavailable: ${availability.reason}. Fix: ${availability.remedy}`);
    // Root-only like a real state folder: the sandbox user could not traverse it without staging.
    root = mkdtempSync(join(tmpdir(), 'abca-bwrap-'));
    chmodSync(root, 0o700);
  });

  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.stop()));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs git in a workspace the host prepared as root', async () => {
    const workspace = join(root, 'git-ws');
    mkdirSync(workspace);
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: workspace, env: { PATH: '/usr/bin:/bin' } });
    git('init', '-q');
    writeFileSync(join(workspace, 'README.md'), 'hello\n');
    git('-c', 'user.name=host', '-c', 'user.email=host@example.test', 'add', '.');
    const sandbox = track(await backend.create({ taskId: 'git', workspaceDir: workspace }));
    const result = await sandbox.exec(
      'echo more >> README.md && git add -A && git -c user.name=agent -c user.email=a@example.test commit -qm change && git log --oneline | wc -l',
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('1');
  });

  it('binds readOnlyPaths read-only at the same path', async () => {
    const mirror = join(root, 'mirror');
    mkdirSync(mirror);
    writeFileSync(join(mirror, 'objects.txt'), 'mirror data');
    const workspace = join(root, 'ro-ws');
    mkdirSync(workspace);
    const sandbox = track(
      await backend.create({ taskId: 'ro', workspaceDir: workspace, readOnlyPaths: [mirror] }),
    );
    const read = await sandbox.exec(`cat ${mirror}/objects.txt`);
    expect(read.stdout).toBe('mirror data');
    const write = await sandbox.exec(`echo x > ${mirror}/new.txt`);
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
    expect(readdirSync(mirror)).toEqual(['objects.txt']);
  });

  it('keeps host paths out of /proc/1/cmdline and the cgroup paths', async () => {
    const workspace = join(root, 'cmdline-ws');
    mkdirSync(workspace);
    const sandbox = track(await backend.create({ taskId: 'cmdline', workspaceDir: workspace }));
    const result = await sandbox.exec(
      'cat /proc/1/cmdline /proc/2/cmdline | tr "\\0" " "; echo; cat /proc/self/cgroup',
    );
    expect(result.stdout).not.toContain(root);
    expect(result.stdout).not.toContain('abca-sandbox');
    expect(result.stdout).not.toContain('abca-cmdline');
  });

  it('writes the memory, swap, process and cpu limits into the sandbox cgroup', async () => {
    const layout = detectCgroupLayout();
    if (layout.version !== 1) throw new Error(`expected cgroup v1 on this host, found ${layout.version}`);
    const workspace = join(root, 'limits-ws');
    mkdirSync(workspace);
    const limits = { memoryBytes: 300 * 1024 * 1024, maxProcesses: 77, cpus: 0.5 };
    const sandbox = track(await backend.create({ taskId: 'limits', workspaceDir: workspace, limits }));
    const file = (controller: string, name: string) =>
      readFileSync(
        join(
          layout.root,
          controller,
          layout.ownPaths[controller] ?? '/',
          sandboxCgroupName(sandbox.id),
          name,
        ),
        'utf8',
      ).trim();
    expect(file('memory', 'memory.limit_in_bytes')).toBe(String(300 * 1024 * 1024));
    expect(file('memory', 'memory.memsw.limit_in_bytes')).toBe(String(300 * 1024 * 1024));
    expect(file('pids', 'pids.max')).toBe('77');
    expect(file('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(file('cpu', 'cpu.cfs_period_us')).toBe('100000');
  });

  it('warns when limits cannot be applied, and still runs', async () => {
    const events: SandboxEvent[] = [];
    const noCgroups = createBubblewrapBackend({ cgroupRoot: join(root, 'no-cgroups') });
    const workspace = join(root, 'warn-ws');
    mkdirSync(workspace);
    const sandbox = track(
      await noCgroups.create({ taskId: 'warn', workspaceDir: workspace, onEvent: (e) => events.push(e) }),
    );
    expect(events.some((e) => e.type === 'warning' && e.message.includes('cgroup'))).toBe(true);
    expect((await sandbox.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('reads files inside the sandbox: a device is not_regular, a file that outgrows its stat is too_large', async () => {
    const workspace = join(root, 'read-ws');
    mkdirSync(workspace);
    const sandbox = track(await backend.create({ taskId: 'read', workspaceDir: workspace }));
    await sandbox.exec('ln -s /dev/zero zero.txt');
    await expect(sandbox.readFile('zero.txt')).rejects.toMatchObject({
      code: 'not_regular',
      message: expect.stringContaining('character special file'),
    });
    // /proc files stat as empty regular files yet have content: the read itself stops one byte past
    // the limit, as for a file that grows between the check and the read.
    const error = await sandbox.readFile('/proc/self/status', { maxBytes: 10 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'too_large', limit: 10 });
    expect(error).not.toHaveProperty('size');
    expect((await sandbox.readFile('/proc/self/status', { maxBytes: 100_000 })).toString()).toContain(
      'Name:',
    );
  });

  it('rejects unsafe specs', async () => {
    await expect(backend.create({ taskId: '../x', workspaceDir: root })).rejects.toThrow(/taskId/);
    await expect(backend.create({ taskId: 'x', workspaceDir: 'relative' })).rejects.toThrow(/absolute/);
    await expect(backend.create({ taskId: 'x', workspaceDir: root, readOnlyPaths: ['/'] })).rejects.toThrow();
    await expect(backend.create({ taskId: 'x', workspaceDir: root, env: { 'A=B': 'c' } })).rejects.toThrow();
  });

  it('throws on exec once the sandbox died from inside', async () => {
    const workspace = join(root, 'dead-ws');
    mkdirSync(workspace);
    const sandbox = track(await backend.create({ taskId: 'dead', workspaceDir: workspace }));
    const killed = await sandbox.exec('kill -9 2');
    expect(killed.killed).toBeUndefined();
    await expect(
      (async () => {
        for (let i = 0; i < 50; i++) await sandbox.exec('true');
      })(),
    ).rejects.toThrow(/not running/);
  });
});
