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
 * branch name, the sandbox. The workspace is made meanwhile, beside the checks rather than after
 * them; then it gets its environment (the environment cache's snapshot, or the repo's setup
 * command run in the sandbox with the repo's network allowlist, whose clean result fills the
 * cache) and a baseline of its build and tests (or the snapshot's, on the same base commit).
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
    const timings: Record<string, number> = {};
    /** Times `job` into `timings[<name>_ms]` (the checks one after another, the workspace beside them). */
    const timed = async <T>(name: string, job: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await job();
      } finally {
        timings[`${name}_ms`] = Math.round(performance.now() - t);
      }
    };
    // The workspace is made while the checks run (they wait on the forge and the model, it on
    // git and the disk). A check that refuses stops it and waits for it to end, so nothing of it
    // outlives the step; the folder it may leave goes with the finished task's (the janitor).
    const making = new AbortController();
    const creating = timed('workspace', () =>
      deps.taskWorkspaces.create(task, ctx, { signal: AbortSignal.any([signal, making.signal]) }),
    ).then(
      (made) => ({ ok: true as const, made }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    const stopMaking = async () => {
      making.abort();
      await creating;
    };
    let created: Awaited<ReturnType<typeof deps.taskWorkspaces.create>>;
    try {
      const access = await timed('forge_access', () => deps.forge.checkAccess(repo));
      if (!access.ok) return await stopMaking().then(() => fail(access.code, access.message, 'forge'));
      const runtime = await timed('model', () => deps.agentRuntime.preflight(task, ctx.settings));
      if (!runtime.ok)
        return await stopMaking().then(() => fail(runtime.code, runtime.message, 'agent_runtime'));
      // A task on a pull request works on the PR's own branch, which exists by definition.
      const taken =
        !ctx.pr &&
        !ctx.baseCommit &&
        (await timed('branch', () => deps.workspaces.remoteHead(repo, branch, { signal })));
      if (taken) {
        await stopMaking();
        return fail('BRANCH_EXISTS', `Branch ${branch} already exists on the remote.`, 'branch');
      }
      const made = await creating;
      if (!made.ok) throw made.err;
      created = made.made;
    } catch (err) {
      await stopMaking();
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
