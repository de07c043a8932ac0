import { join } from 'node:path';
import type { Sandbox, SandboxBackend, SandboxEvent, SandboxLimits } from '@abca/sandbox';

/**
 * The sandboxes of the tasks running in this process: one per task around its workspace folder,
 * made on first use by any step and re-made after a crash. Made only once the workspace folder
 * exists (the Workspaces port prepares it): a sandbox binds the folder that is there when it starts.
 */
export interface SandboxPool {
  readonly kind: string;
  /** The task's workspace folder on this host (it may not exist yet). */
  workspaceDir(taskId: string): string;
  /** The task's sandbox, started if this process holds none; `allowedHosts` as the task runs with. */
  acquire(taskId: string, allowedHosts: string[]): Promise<Sandbox>;
  /** Stops the task's sandbox, if this process holds one. */
  release(taskId: string): Promise<void>;
  stopAll(): Promise<void>;
}

/** The sandbox backend could not start a sandbox (bubblewrap missing, cgroups refused, ...). */
export class SandboxStartError extends Error {
  constructor(kind: string, cause: unknown) {
    super(`The ${kind} sandbox could not start: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'SandboxStartError';
  }
}

export interface SandboxPoolDeps {
  backend: SandboxBackend;
  workspaceRoot: string;
  /** Where a task's sandbox reports (blocked egress, warnings): the task's events. */
  onEvent(taskId: string, event: SandboxEvent): void;
  limits?: SandboxLimits;
}

export function createSandboxPool(deps: SandboxPoolDeps): SandboxPool {
  const live = new Map<string, Promise<Sandbox>>();
  const workspaceDir = (taskId: string) => join(deps.workspaceRoot, taskId.toLowerCase());
  const pool: SandboxPool = {
    kind: deps.backend.kind,
    workspaceDir,
    acquire(taskId, allowedHosts) {
      const existing = live.get(taskId);
      if (existing) return existing;
      const made = deps.backend
        .create({
          taskId: taskId.toLowerCase(),
          workspaceDir: workspaceDir(taskId),
          allowedHosts,
          onEvent: (e) => deps.onEvent(taskId, e),
          ...(deps.limits ? { limits: deps.limits } : {}),
        })
        .catch((err: unknown) => {
          throw new SandboxStartError(deps.backend.kind, err);
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
      await Promise.all([...live.keys()].map((id) => pool.release(id)));
    },
  };
  return pool;
}
