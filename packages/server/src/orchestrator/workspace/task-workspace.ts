import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { type TaskError, taskError } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import type { Logger } from '../../ops/logger.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { EnvCache } from '../../ports/env-cache.ts';
import {
  type WorkCapture,
  WorkspaceError,
  type WorkspaceLimits,
  type Workspaces,
} from '../../ports/workspaces.ts';
import type { Queryable } from '../../storage/db.ts';
import type { EmitEvent } from '../../store/event-store.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { patchTask } from '../../store/task-store.ts';
import { getWorkspaceSnapshot, saveWorkspaceSnapshot } from '../../store/workspace-snapshots.ts';
import { repoRef } from '../repo-ref.ts';
import type { TaskContext } from '../task-context.ts';
import { runRepoChecks, setupFailure } from './checks.ts';
import { prepareEnvironment } from './environment.ts';
import { type SandboxPool, SandboxStartError } from './sandbox-pool.ts';

/** What the task's workspace needs: the narrow slice of the platform it works with. */
export interface TaskWorkspaceDeps {
  db: Queryable;
  workspaces: Workspaces;
  sandboxes: SandboxPool;
  limits: WorkspaceLimits;
  /** Scrubbed from the setup command's output. */
  secrets: string[];
  executorId: string;
  log: Logger;
  /** Setup after a restore takes the environment from the cache too (it never fills it). */
  envCache: EnvCache;
  metrics?: Pick<Metrics, 'envCacheLookups'>;
}

type Emit = EmitEvent;

/**
 * What a step needs of the workspace: `restored` — the agent's work, here or brought back from the
 * task's checkpoint (no checkpoint: `WORKSPACE_LOST`); `restored-or-recreated` — the same, or
 * without a checkpoint a fresh clone of the default branch with a new baseline (the agent starts over).
 */
export type WorkspaceNeed = 'restored' | 'restored-or-recreated';

export type OpenedWorkspace =
  | {
      ok: true;
      /** `present`: as the earlier steps left it on this machine; `restored` / `recreated`: see {@link WorkspaceNeed}. */
      state: 'present' | 'restored' | 'recreated';
      ctx: TaskContext;
      sandbox: Sandbox;
    }
  | { ok: false; error: TaskError };

export interface TaskWorkspaces {
  /** The task's folder on this host. */
  dirOf(taskId: string): string;
  /**
   * Pre-flight: the task's workspace on a new branch from the default branch head, checked out in
   * its sandbox. Kept as it is when it already exists (a re-run after a crash). Throws typed
   * failures ({@link workspaceFailure}) and forge errors.
   */
  create(
    task: TaskRow,
    ctx: TaskContext,
    opts: { signal: AbortSignal },
  ): Promise<{ baseCommit: string; sandbox: Sandbox }>;
  /** The workspace a step declared it needs, on this machine, with its sandbox. */
  open(
    task: TaskRow,
    ctx: TaskContext,
    need: WorkspaceNeed,
    opts: { emit: Emit; signal: AbortSignal; onRecreated?: () => Promise<void> },
  ): Promise<OpenedWorkspace>;
  /** Takes the agent's work out of the sandbox, verified (typed failures are thrown). */
  capture(task: TaskRow, ctx: TaskContext, sandbox: Sandbox, signal?: AbortSignal): Promise<WorkCapture>;
  /**
   * Saves the agent's work as the task's checkpoint, so another machine can finish the task. A
   * typed failure (the work is too large or broken) is returned; anything else is reported in the
   * events and not fatal (finalization captures again).
   */
  checkpoint(
    task: TaskRow,
    ctx: TaskContext,
    sandbox: Sandbox,
    opts: { emit: Emit; signal?: AbortSignal },
  ): Promise<TaskError | undefined>;
}

/** Beside the folder (out of the sandbox's sight): the workspace is complete and on this branch. */
interface ReadyRecord {
  branch: string;
  baseCommit: string;
}

export function readyFile(dir: string): string {
  return `${dir}.ready`;
}

/**
 * The task's workspace on this machine: made by the Workspaces port, used through the task's
 * sandbox, checkpointed in the database and brought back from it on another machine. A workspace
 * counts as present only once its ready record is written, after every part of making it (a crash
 * half-way makes it again, always in a fresh folder).
 */
export function createTaskWorkspaces(deps: TaskWorkspaceDeps): TaskWorkspaces {
  const dirOf = (taskId: string) => deps.sandboxes.workspaceDir(taskId);

  async function readReady(task: TaskRow): Promise<ReadyRecord | undefined> {
    try {
      const dir = dirOf(task.task_id);
      const rec = JSON.parse(await readFile(readyFile(dir), 'utf8')) as ReadyRecord;
      // The folder may have been removed by hand since: then it is not there, whatever the record says.
      return rec.branch === task.branch_name && (await lstat(dir)).isDirectory() ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  /** A fresh folder (the default branch, or `from`), its sandbox, the files checked out inside it. */
  async function make(
    task: TaskRow,
    ctx: TaskContext,
    from: { baseCommit: string; bundle: Buffer | null } | undefined,
    signal: AbortSignal,
  ) {
    const dir = dirOf(task.task_id);
    await rm(readyFile(dir), { force: true });
    // A sandbox still around the old folder would see the old one: it goes first.
    await deps.sandboxes.release(task.task_id);
    const repo = await repoRef(deps.db, task.repo);
    const made = await deps.workspaces.prepare(repo, {
      dir,
      branch: task.branch_name as string,
      limits: deps.limits,
      ...(from ? { from } : {}),
      // A task on a pull request works on its branch, from the head the remote has now.
      ...(ctx.pr ? { startBranch: ctx.pr.branch } : {}),
      signal,
    });
    const sandbox = await deps.sandboxes.acquire(task.task_id, ctx.settings.network_allowlist ?? []);
    await deps.workspaces.checkout(repo, sandbox, { signal });
    return { ...made, sandbox };
  }

  const markReady = (task: TaskRow, baseCommit: string) =>
    writeFile(
      readyFile(dirOf(task.task_id)),
      JSON.stringify({ branch: task.branch_name as string, baseCommit } satisfies ReadyRecord),
    );

  return {
    dirOf,

    async create(task, ctx, { signal }) {
      const ready = await readReady(task);
      if (ready) {
        const sandbox = await deps.sandboxes.acquire(task.task_id, ctx.settings.network_allowlist ?? []);
        return { baseCommit: ready.baseCommit, sandbox };
      }
      const made = await make(task, ctx, undefined, signal);
      await markReady(task, made.baseCommit);
      return { baseCommit: made.baseCommit, sandbox: made.sandbox };
    },

    async open(task, ctx, need, { emit, signal, onRecreated }) {
      const allowed = ctx.settings.network_allowlist ?? [];
      if (await readReady(task)) {
        return {
          ok: true,
          state: 'present',
          ctx,
          sandbox: await deps.sandboxes.acquire(task.task_id, allowed),
        };
      }
      const snap = await getWorkspaceSnapshot(deps.db, task.task_id);
      if (!snap && need === 'restored') return { ok: false, error: taskError('WORKSPACE_LOST') };
      let next = ctx;
      let state: 'restored' | 'recreated';
      let made: Awaited<ReturnType<typeof make>>;
      // This machine's mirror may be older than the task (or missing): the base must be in it.
      await deps.workspaces.syncMirror(await repoRef(deps.db, task.repo), {
        ...(ctx.pr ? { branches: [ctx.pr.branch] } : {}),
        signal,
      });
      if (snap) {
        made = await make(task, ctx, { baseCommit: snap.baseCommit, bundle: snap.bundle }, signal);
        state = 'restored';
        await emit('workspace.restored', { head: made.head, executor_id: deps.executorId });
      } else {
        made = await make(task, ctx, undefined, signal);
        next = { ...ctx, baseCommit: made.baseCommit };
        state = 'recreated';
        await emit('workspace.recreated', { base_commit: made.baseCommit, executor_id: deps.executorId });
      }
      const { sandbox } = made;
      let baseline: TaskContext['baseline'];
      if (ctx.settings.setup_command) {
        const env = await prepareEnvironment(deps, {
          repo: task.repo,
          settings: ctx.settings,
          sandbox,
          workspaceDir: dirOf(task.task_id),
          baseCommit: made.baseCommit,
          mayFill: false,
          setupEvent: 'workspace.setup',
          emit,
          signal,
        });
        if (!env.ok) {
          const where = state === 'restored' ? 'restored' : 're-made';
          return { ok: false, error: taskError('SETUP_FAILED', setupFailure(env.setup, where)) };
        }
        baseline = env.baseline;
      }
      if (state === 'recreated') {
        next = {
          ...next,
          baseline:
            baseline ?? (await runRepoChecks(sandbox, ctx.settings, { secrets: deps.secrets, signal })),
        };
        await patchTask(deps.db, task.task_id, { context: next as unknown as Record<string, unknown> });
        await onRecreated?.();
      }
      await markReady(task, next.baseCommit as string);
      return { ok: true, state, ctx: next, sandbox };
    },

    async capture(task, ctx, sandbox, signal) {
      // The agent step's checkpoint, verified when it was saved: unchanged work is not checked again.
      const snap = await getWorkspaceSnapshot(deps.db, task.task_id);
      const previous =
        snap && snap.baseCommit === ctx.baseCommit
          ? {
              head: snap.headCommit,
              bundle: snap.bundle,
              commits: snap.commits,
              ...(snap.paths ? { paths: snap.paths } : {}),
            }
          : undefined;
      return deps.workspaces.capture(await repoRef(deps.db, task.repo), sandbox, {
        branch: task.branch_name as string,
        baseCommit: ctx.baseCommit as string,
        message: `Uncommitted work of ABCA task ${task.task_id}`,
        limits: deps.limits,
        ...(previous ? { previous } : {}),
        ...(signal ? { signal } : {}),
      });
    },

    async checkpoint(task, ctx, sandbox, { emit, signal }) {
      let capture: WorkCapture;
      try {
        capture = await this.capture(task, ctx, sandbox, signal);
      } catch (err) {
        const typed = workspaceFailure(err);
        if (typed) {
          await emit('workspace.checkpoint_failed', {
            code: typed.code,
            message: typed.message.slice(0, 500),
          });
          return typed;
        }
        deps.log.warn({ err, taskId: task.task_id }, 'could not save the workspace checkpoint');
        await emit('workspace.checkpoint_failed', { message: (err as Error).message.slice(0, 500) });
        return undefined;
      }
      await saveWorkspaceSnapshot(deps.db, task.task_id, {
        branch: task.branch_name as string,
        baseCommit: ctx.baseCommit as string,
        headCommit: capture.head,
        bundle: capture.bundle,
        commits: capture.commits,
        ...(capture.paths ? { paths: capture.paths } : {}),
      });
      await emit('workspace.checkpoint_saved', { head: capture.head, bytes: capture.bundle?.length ?? 0 });
      return undefined;
    },
  };
}

/** The typed task failure a workspace error (or a sandbox that cannot start) stands for, if it is one. */
export function workspaceFailure(err: unknown): TaskError | undefined {
  if (err instanceof WorkspaceError) return taskError(err.code, err.message);
  if (err instanceof SandboxStartError) return taskError('SANDBOX_UNAVAILABLE', err.message);
  return undefined;
}
