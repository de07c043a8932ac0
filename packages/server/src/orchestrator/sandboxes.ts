import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox, SandboxBackend, SandboxEvent, SandboxLimits } from '@abca/sandbox';

/**
 * The sandboxes of the tasks running in this process: one per task, made on first use by any step
 * (pre-flight, agent, finalization) and re-made after a crash around the same workspace folder.
 */
export interface SandboxPool {
  readonly kind: string;
  /** The task's workspace folder on this host (created empty if missing). */
  workspaceDir(taskId: string): string;
  acquire(
    taskId: string,
    opts: { allowedHosts: string[]; onEvent: (e: SandboxEvent) => void; limits?: SandboxLimits },
  ): Promise<Sandbox>;
  /** Stops the task's sandbox, if this process holds one. */
  release(taskId: string): Promise<void>;
  stopAll(): Promise<void>;
}

export function createSandboxPool(deps: { backend: SandboxBackend; workspaceRoot: string }): SandboxPool {
  const live = new Map<string, Promise<Sandbox>>();
  const workspaceDir = (taskId: string) => join(deps.workspaceRoot, taskId.toLowerCase());
  return {
    kind: deps.backend.kind,
    workspaceDir,
    acquire(taskId, opts) {
      const existing = live.get(taskId);
      if (existing) return existing;
      const dir = workspaceDir(taskId);
      mkdirSync(dir, { recursive: true });
      const made = deps.backend.create({
        taskId: taskId.toLowerCase(),
        workspaceDir: dir,
        allowedHosts: opts.allowedHosts,
        onEvent: opts.onEvent,
        ...(opts.limits ? { limits: opts.limits } : {}),
      });
      live.set(taskId, made);
      made.catch(() => live.delete(taskId));
      return made;
    },
    async release(taskId) {
      const sb = live.get(taskId);
      live.delete(taskId);
      if (sb) await (await sb.catch(() => undefined))?.stop();
    },
    async stopAll() {
      const all = [...live.keys()];
      await Promise.all(all.map((id) => this.release(id)));
    },
  };
}
