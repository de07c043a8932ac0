import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type TaskError, taskError } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import type { TaskRow } from '../store/task-row.ts';
import { patchTask } from '../store/task-store.ts';
import { getWorkspaceSnapshot, saveWorkspaceSnapshot } from '../store/workspace-snapshots.ts';
import { runCheck } from './checks.ts';
import type { OrchestratorDeps } from './deps.ts';
import { repoRef } from './repo-ref.ts';
import { runRepoChecks, SETUP_TIMEOUT_MS, taskSandbox } from './steps/pre-flight.ts';
import type { TaskContext } from './task-context.ts';

/**
 * A task's workspace lives on the disk of the worker that ran its pre-flight. When a worker on
 * another machine takes the task over (the first one died), the workspace is not there: these
 * helpers carry the agent's work over through a checkpoint in the database, or start it anew.
 */

type Emit = (type: string, data?: Record<string, unknown>) => Promise<void>;

/** Commits what the agent left uncommitted, inside the sandbox (the workspace is untrusted). */
export async function commitLeftovers(sandbox: Sandbox, taskId: string): Promise<void> {
  const res = await sandbox.exec(
    `git add -A && (git diff --cached --quiet || git commit -q -m ${JSON.stringify(`Uncommitted work of ABCA task ${taskId}`)})`,
    { timeoutMs: 120_000 },
  );
  if (res.exitCode !== 0)
    throw new Error(`committing the agent's leftovers failed: ${res.stderr.slice(-500)}`);
}

/**
 * Saves the agent's work (its branch since the base commit, leftovers committed) as the task's
 * checkpoint. A failure is reported, not fatal: finalization on this machine does not need it.
 */
export async function saveCheckpoint(
  deps: OrchestratorDeps,
  task: TaskRow,
  ctx: TaskContext,
  sandbox: Sandbox,
  emit: Emit,
): Promise<void> {
  const branch = task.branch_name as string;
  try {
    await commitLeftovers(sandbox, task.task_id);
    const repo = await repoRef(deps.db, task.repo);
    const snap = await deps.forge.snapshotWorkspace(repo, {
      dir: deps.sandboxes.workspaceDir(task.task_id),
      branch,
      baseCommit: ctx.baseCommit as string,
    });
    // Not kept when too large (a task that committed build output, say): ABCA_CHECKPOINT_MAX_BYTES.
    const max = deps.config.checkpointMaxBytes;
    if ((snap.bundle?.length ?? 0) > max) {
      throw new Error(`the work is ${snap.bundle?.length} bytes as a git bundle, over the ${max}-byte limit`);
    }
    await saveWorkspaceSnapshot(deps.db, task.task_id, {
      branch,
      baseCommit: ctx.baseCommit as string,
      headCommit: snap.head,
      bundle: snap.bundle,
    });
    await emit('workspace.checkpoint_saved', { head: snap.head, bytes: snap.bundle?.length ?? 0 });
  } catch (err) {
    deps.log.warn({ err, taskId: task.task_id }, 'could not save the workspace checkpoint');
    await emit('workspace.checkpoint_failed', { message: (err as Error).message.slice(0, 500) });
  }
}

export type WorkspaceState =
  | {
      ok: true;
      /**
       * `present`: on this machine as the earlier steps left it; `restored`: made from the task's
       * checkpoint, the agent's work is back; `recreated`: no checkpoint, a fresh clone of the
       * current default branch with setup run and a new baseline taken (in `ctx`).
       */
      state: 'present' | 'restored' | 'recreated';
      ctx: TaskContext;
    }
  /** `WORKSPACE_LOST` (no checkpoint and not to be recreated) or `SETUP_FAILED` in the new one. */
  | { ok: false; error: TaskError };

/**
 * Makes sure the task's workspace is on this machine before a step uses it: restores it from the
 * checkpoint, or (with `recreate`) makes it anew from the default branch. After either, the repo's
 * setup command runs again (dependencies are not in the checkpoint). Without a checkpoint and
 * without `recreate`, the work is gone: `WORKSPACE_LOST`.
 */
export async function ensureWorkspace(
  deps: OrchestratorDeps,
  task: TaskRow,
  ctx: TaskContext,
  opts: {
    emit: Emit;
    signal: AbortSignal;
    /**
     * Given, a workspace with no checkpoint is made anew, and this runs once it is (before the
     * workspace counts as present, so a crash in between cannot skip it). Absent: `WORKSPACE_LOST`.
     */
    recreate?: () => Promise<void>;
  },
): Promise<WorkspaceState> {
  const dir = deps.sandboxes.workspaceDir(task.task_id);
  // Set (beside the folder, out of the sandbox's sight) while a workspace is being brought back: a
  // crash half-way leaves a `.git` that must not count as present. Restoring again is idempotent.
  const moving = `${dir}.moving`;
  if (existsSync(join(dir, '.git')) && !existsSync(moving)) return { ok: true, state: 'present', ctx };
  const branch = task.branch_name as string;
  const repo = await repoRef(deps.db, task.repo);
  const snap = await getWorkspaceSnapshot(deps.db, task.task_id);
  if (!snap && !opts.recreate) return { ok: false, error: taskError('WORKSPACE_LOST') };
  // A sandbox this process may hold around the missing folder is stale.
  await deps.sandboxes.release(task.task_id);
  await mkdir(dirname(moving), { recursive: true });
  await writeFile(moving, deps.executorId);
  let next = ctx;
  let state: 'restored' | 'recreated';
  if (snap) {
    const { head } = await deps.forge.restoreWorkspace(repo, {
      dir,
      branch,
      baseCommit: snap.baseCommit,
      bundle: snap.bundle,
    });
    state = 'restored';
    await opts.emit('workspace.restored', { head, executor_id: deps.executorId });
  } else {
    await deps.forge.syncMirror(repo);
    const { baseCommit } = await deps.forge.createWorkspace(repo, { dir, branch });
    next = { ...ctx, baseCommit };
    state = 'recreated';
    await opts.emit('workspace.recreated', { base_commit: baseCommit, executor_id: deps.executorId });
  }
  const sandbox = await taskSandbox(deps, task.task_id, ctx.settings.network_allowlist ?? []);
  if (ctx.settings.setup_command) {
    const setup = await runCheck(sandbox, 'setup', ctx.settings.setup_command, {
      timeoutMs: SETUP_TIMEOUT_MS,
      secrets: deps.secrets,
      signal: opts.signal,
    });
    await opts.emit('workspace.setup', {
      ok: setup.ok,
      exit_code: setup.exitCode,
      duration_ms: setup.durationMs,
    });
    if (!setup.ok) {
      await rm(moving, { force: true });
      const where = state === 'restored' ? 'restored' : 're-made';
      return {
        ok: false,
        error: taskError(
          'SETUP_FAILED',
          `The setup command failed in the ${where} workspace:\n${setup.outputTail.slice(-1500)}`,
        ),
      };
    }
  }
  if (state === 'recreated') {
    next = { ...next, baseline: await runRepoChecks(deps, sandbox, ctx.settings, opts.signal) };
    await patchTask(deps.db, task.task_id, { context: next as unknown as Record<string, unknown> });
    await opts.recreate?.();
  }
  await rm(moving, { force: true });
  return { ok: true, state, ctx: next };
}
