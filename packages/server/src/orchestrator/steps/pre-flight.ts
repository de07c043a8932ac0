import { type TaskFailureCode, taskError } from '@abca/contracts';
import type { StagedSave } from '../../ports/env-cache.ts';
import { patchTask, transition } from '../../store/task-store.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { taskContext } from '../task-context.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import {
  CHECK_TIMEOUT_MS,
  type CheckResult,
  runRepoChecks,
  SETUP_TIMEOUT_MS,
  setupFailure,
} from '../workspace/checks.ts';
import { emitSaveResult, prepareEnvironment } from '../workspace/environment.ts';
import { workspaceFailure } from '../workspace/task-workspace.ts';

/**
 * Fails fast, before any model token is spent: forge access and push permission, the model, the
 * branch name, the sandbox; then makes the workspace, gives it its environment (the environment
 * cache's snapshot, or the repo's setup command run in the sandbox with the repo's network
 * allowlist, whose clean result fills the cache) and records a baseline of its build and tests
 * (or reuses the snapshot's, on the same base commit).
 */
export const preflightStep: StepDefinition = {
  name: 'pre-flight',
  timeoutMs: () => SETUP_TIMEOUT_MS + CHECK_TIMEOUT_MS,
  maxAttempts: 3,
  onTimeout: {
    status: 'FAILED',
    error: taskError('SETUP_FAILED', 'Pre-flight (setup and baseline) took too long.'),
  },
  async run({ task, emit, signal }, deps) {
    if (task.status !== 'HYDRATING') return 'skipped';
    const ctx = taskContext(task);
    if (!ctx) throw new Error('pre-flight found no hydrated context');
    const fail = async (code: Parameters<typeof taskError>[0], message: string, check: string) => {
      await emit('preflight.failed', { check, code, message });
      await endTask(deps, task.task_id, 'FAILED', taskError(code, message));
      return 'stop' as const;
    };
    const repo = await repoRef(deps.db, task.repo);
    const branch = task.branch_name as string;
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const lap = (name: string) => {
      timings[`${name}_ms`] = Math.round(
        performance.now() - t0 - Object.values(timings).reduce((a, b) => a + b, 0),
      );
    };
    let created: Awaited<ReturnType<typeof deps.taskWorkspaces.create>>;
    try {
      const access = await deps.forge.checkAccess(repo);
      if (!access.ok) return fail(access.code, access.message, 'forge');
      lap('forge_access');
      const runtime = await deps.agentRuntime.preflight(task, ctx.settings);
      if (!runtime.ok) return fail(runtime.code, runtime.message, 'agent_runtime');
      lap('model');
      // A task on a pull request works on the PR's own branch, which exists by definition.
      if (!ctx.pr && !ctx.baseCommit && (await deps.workspaces.remoteHead(repo, branch, { signal }))) {
        return fail('BRANCH_EXISTS', `Branch ${branch} already exists on the remote.`, 'branch');
      }
      lap('branch');
      created = await deps.taskWorkspaces.create(task, ctx, { signal });
      lap('workspace');
    } catch (err) {
      const typed = workspaceFailure(err);
      if (typed) {
        const check = typed.code === 'SANDBOX_UNAVAILABLE' ? 'sandbox' : 'workspace';
        return fail(typed.code as TaskFailureCode, typed.message, check);
      }
      return endOnTypedFailure(deps, task.task_id, err);
    }
    const { baseCommit, sandbox } = created;
    await emit('preflight.workspace_ready', {
      base_commit: baseCommit,
      sandbox: deps.sandboxes.kind,
      ...timings,
    });
    let baseline: CheckResult[] | undefined;
    let staged: StagedSave | undefined;
    if (ctx.settings.setup_command) {
      const env = await prepareEnvironment(deps, {
        repo: task.repo,
        settings: ctx.settings,
        sandbox,
        workspaceDir: deps.taskWorkspaces.dirOf(task.task_id),
        baseCommit,
        // Only a fresh workspace on the default branch head fills the cache (not a PR's branch).
        mayFill: !ctx.pr && !ctx.baseCommit,
        setupEvent: 'preflight.setup',
        emit,
        signal,
      });
      if (signal.aborted) {
        if (env.ok) await env.staged?.discard();
        return 'continue';
      }
      if (!env.ok) return fail('SETUP_FAILED', setupFailure(env.setup), 'setup');
      baseline = env.baseline;
      staged = env.staged;
    }
    try {
      if (signal.aborted) return 'continue';
      baseline ??= await runRepoChecks(sandbox, ctx.settings, { secrets: deps.secrets, signal });
      for (const b of baseline)
        await emit('preflight.baseline', {
          check: b.name,
          ok: b.ok,
          exit_code: b.exitCode,
          duration_ms: b.durationMs,
        });
      if (signal.aborted) return 'continue';
      if (staged) {
        const kept = staged;
        staged = undefined;
        await emitSaveResult(emit, kept.key, await kept.commit(baseline));
      }
    } finally {
      await staged?.discard();
    }
    await patchTask(deps.db, task.task_id, {
      context: { ...ctx, baseCommit, baseline } as unknown as Record<string, unknown>,
    });
    await emit('preflight.passed', { forge: repo.forge.kind, agent_runtime: deps.agentRuntime.kind });
    const moved = await transition(deps.db, task.task_id, 'RUNNING', { from: ['HYDRATING'] });
    return moved ? 'continue' : 'stop';
  },
};
