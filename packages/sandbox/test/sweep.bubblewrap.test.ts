import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createBubblewrapBackend,
  detectCgroupLayout,
  type SandboxEvent,
  sandboxCgroupName,
} from '../src/index.ts';

/**
 * Sandboxes of a process killed with SIGKILL leave their run folder and cgroups behind; the next
 * backend to start a sandbox on the host removes them, and leaves live ones alone — including live
 * sandboxes of other processes that use another run folder.
 */
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function runFolder(): string {
  const dir = tempDir('abca-sweep-run-');
  // Like /run/abca-sandbox: root-owned and traversable by the sandbox user.
  chmodSync(dir, 0o711);
  return dir;
}

function deadPid(): number {
  const child = spawnSync('true');
  return child.pid ?? 999_999;
}

describe('leftovers of killed processes', () => {
  it('removes the run folder and cgroup of a dead owner, and keeps a live one', async () => {
    const runDir = runFolder();
    const workspace = tempDir('abca-sweep-ws-');
    const layout = detectCgroupLayout();
    expect(layout.version).not.toBe('none');
    const memory = layout.version === 1 ? join(layout.root, 'memory', layout.ownPaths.memory ?? '/') : '';
    const dead = { id: 'task-dead-0001', pid: deadPid() };
    const alive = { id: 'task-alive-0001', pid: process.pid };
    for (const { id, pid } of [dead, alive]) {
      mkdirSync(join(runDir, id, 'ws'), { recursive: true });
      writeFileSync(join(runDir, id, 'owner.pid'), String(pid));
      if (memory) mkdirSync(join(memory, sandboxCgroupName(id, pid)), { recursive: true });
    }
    const events: SandboxEvent[] = [];
    const sandbox = await createBubblewrapBackend({ runDir }).create({
      taskId: 'sweeper',
      workspaceDir: workspace,
      onEvent: (e) => events.push(e),
    });
    try {
      expect(existsSync(join(runDir, dead.id))).toBe(false);
      expect(existsSync(join(runDir, alive.id))).toBe(true);
      if (memory) {
        expect(existsSync(join(memory, sandboxCgroupName(dead.id, dead.pid)))).toBe(false);
        expect(existsSync(join(memory, sandboxCgroupName(alive.id, alive.pid)))).toBe(true);
      }
      expect(events.some((e) => e.type === 'warning' && /leftovers/.test(e.message))).toBe(true);
      expect((await sandbox.exec('echo ok')).stdout.trim()).toBe('ok');
    } finally {
      await sandbox.stop();
      if (memory)
        rmSync(join(memory, sandboxCgroupName(alive.id, alive.pid)), { recursive: true, force: true });
    }
  });

  it('leaves a live sandbox alone when the sweeping backend uses another run folder', async () => {
    // A live sandbox made by one backend (like the platform, with /run/abca-sandbox) ...
    const first = await createBubblewrapBackend({ runDir: runFolder() }).create({
      taskId: 'other-run-folder',
      workspaceDir: tempDir('abca-sweep-ws-'),
    });
    try {
      // ... must survive the first sandbox of a backend with a different run folder (a test, a
      // second install), which sweeps leftovers before it starts.
      const second = await createBubblewrapBackend({ runDir: runFolder() }).create({
        taskId: 'sweeper-2',
        workspaceDir: tempDir('abca-sweep-ws-'),
      });
      await second.stop();
      const result = await first.exec('echo still here');
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim()).toBe('still here');
    } finally {
      await first.stop();
    }
  });
});
