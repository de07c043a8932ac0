import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBubblewrapBackend, detectCgroupLayout, type SandboxEvent } from '../src/index.ts';

/**
 * Sandboxes of a process killed with SIGKILL leave their run folder and cgroups behind; the next
 * backend to start a sandbox on the host removes them, and leaves live ones alone.
 */
const runDir = mkdtempSync(join(tmpdir(), 'abca-sweep-run-'));
// Like /run/abca-sandbox: root-owned and traversable by the sandbox user.
chmodSync(runDir, 0o711);
const workspace = mkdtempSync(join(tmpdir(), 'abca-sweep-ws-'));
afterAll(() => {
  rmSync(runDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

function deadPid(): number {
  const child = spawnSync('true');
  return child.pid ?? 999_999;
}

describe('leftovers of killed processes', () => {
  it('removes the run folder and cgroup of a dead owner, and keeps a live one', async () => {
    const layout = detectCgroupLayout();
    expect(layout.version).not.toBe('none');
    const memory = layout.version === 1 ? join(layout.root, 'memory', layout.ownPaths.memory ?? '/') : '';
    const dead = 'task-dead-0001';
    const alive = 'task-alive-0001';
    for (const [id, pid] of [
      [dead, deadPid()],
      [alive, process.pid],
    ] as const) {
      mkdirSync(join(runDir, id, 'ws'), { recursive: true });
      writeFileSync(join(runDir, id, 'owner.pid'), String(pid));
      if (memory) mkdirSync(join(memory, `abca-${id}`), { recursive: true });
    }
    const events: SandboxEvent[] = [];
    const sandbox = await createBubblewrapBackend({ runDir }).create({
      taskId: 'sweeper',
      workspaceDir: workspace,
      onEvent: (e) => events.push(e),
    });
    try {
      expect(existsSync(join(runDir, dead))).toBe(false);
      expect(existsSync(join(runDir, alive))).toBe(true);
      if (memory) {
        expect(existsSync(join(memory, `abca-${dead}`))).toBe(false);
        expect(existsSync(join(memory, `abca-${alive}`))).toBe(true);
      }
      expect(events.some((e) => e.type === 'warning' && /leftovers/.test(e.message))).toBe(true);
      expect((await sandbox.exec('echo ok')).stdout.trim()).toBe('ok');
    } finally {
      await sandbox.stop();
      if (memory) rmSync(join(memory, `abca-${alive}`), { recursive: true, force: true });
    }
  });
});
