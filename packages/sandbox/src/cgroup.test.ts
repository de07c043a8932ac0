import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupOwnerPid, detectCgroupLayout, sandboxCgroupName } from './cgroup.ts';

describe('detectCgroupLayout', () => {
  const root = mkdtempSync(join(tmpdir(), 'abca-cgroup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads v1 per-controller paths from /proc/self/cgroup', () => {
    for (const controller of ['memory', 'pids', 'cpu']) {
      mkdirSync(join(root, 'v1', controller), { recursive: true });
      writeFileSync(join(root, 'v1', controller, 'cgroup.procs'), '');
    }
    const text = '8:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/x\n0::/\n';
    expect(detectCgroupLayout(join(root, 'v1'), text)).toEqual({
      version: 1,
      root: join(root, 'v1'),
      ownPaths: { pids: '/', memory: '/process_api/abc', cpu: '/x' },
    });
  });

  it('detects the unified v2 hierarchy', () => {
    mkdirSync(join(root, 'v2'), { recursive: true });
    writeFileSync(join(root, 'v2', 'cgroup.controllers'), 'memory pids cpu');
    expect(detectCgroupLayout(join(root, 'v2'), '0::/user.slice/me\n')).toEqual({
      version: 2,
      root: join(root, 'v2'),
      ownPath: '/user.slice/me',
    });
  });

  it('reports when there is no cgroup hierarchy', () => {
    expect(detectCgroupLayout(join(root, 'none'), '0::/\n').version).toBe('none');
  });
});

describe('sandbox cgroup names', () => {
  it('carry the owner pid, so a leftover is told from a live sandbox by name alone', () => {
    expect(sandboxCgroupName('task-1-ab12', 4242)).toBe('abca-4242-task-1-ab12');
    expect(cgroupOwnerPid(sandboxCgroupName('task-1-ab12', 4242))).toBe(4242);
    expect(cgroupOwnerPid(sandboxCgroupName('42-x'))).toBe(process.pid);
    // Names this version did not make are never swept.
    expect(cgroupOwnerPid('abca-task-1')).toBeUndefined();
    expect(cgroupOwnerPid('other-123-x')).toBeUndefined();
  });
});
