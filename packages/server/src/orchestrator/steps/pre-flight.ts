import { taskError } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import { appendEvent } from '../../store/event-store.ts';
import { patchTask, transition } from '../../store/task-store.ts';
import { type CheckResult, runCheck } from '../checks.ts';
import type { OrchestratorDeps } from '../deps.ts';
import { endOnForgeFailure } from '../forge-failure.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { taskContext } from '../task-context.ts';

export const SETUP_TIMEOUT_MS = 20 * 60_000;
const CHECK_TIMEOUT_MS = 30 * 60_000;

/** The task's sandbox, with its blocked-egress reports going to the task's events. */
export function taskSandbox(
  deps: OrchestratorDeps,
  taskId: string,
  allowedHosts: string[],
): Promise<Sandbox> {
  return deps.sandboxes.acquire(taskId, {
    allowedHosts,
    onEvent: (e) => {
      if (e.type === 'egress_blocked')
        void appendEvent(deps.db, taskId, 'sandbox.egress_blocked', { host: e.host, port: e.port });
      else if (e.type === 'warning')
        void appendEvent(deps.db, taskId, 'sandbox.warning', { message: e.message });
    },
  });
}

/** Runs the repo's build, test and lint commands that are configured, in that order. */
export async function runRepoChecks(
  deps: OrchestratorDeps,
  sandbox: Sandbox,
  settings: { build_command?: string; test_command?: string; lint_command?: string },
  signal: AbortSignal,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, command] of [
    ['build', settings.build_command],
    ['test', settings.test_command],
    ['lint', settings.lint_command],
  ] as const) {
    if (command)
      out.push(
        await runCheck(sandbox, name, command, {
          timeoutMs: CHECK_TIMEOUT_MS,
          secrets: deps.secrets,
          signal,
        }),
      );
  }
  return out;
}

/**
 * Fails fast, before any model token is spent: forge access and push permission, the model, the
 * branch name, the sandbox; then makes the workspace, runs the repo's setup command in the sandbox
 * (with the repo's network allowlist) and records a baseline of its build and tests.
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
    if (task.status !== 'HYDRATING') return 'continue';
    const ctx = taskContext(task);
    if (!ctx) throw new Error('pre-flight found no hydrated context');
    const fail = async (code: Parameters<typeof taskError>[0], message: string, check: string) => {
      await emit('preflight.failed', { check, code, message });
      await endTask(deps, task.task_id, 'FAILED', taskError(code, message));
      return 'stop' as const;
    };
    const repo = await repoRef(deps.db, task.repo);
    const branch = task.branch_name as string;
    let baseCommit: string;
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const lap = (name: string) => {
      timings[`${name}_ms`] = Math.round(
        performance.now() - t0 - Object.values(timings).reduce((a, b) => a + b, 0),
      );
    };
    try {
      const access = await deps.forge.checkAccess(repo);
      if (!access.ok) return fail(access.code, access.message, 'forge');
      lap('forge_access');
      const runtime = await deps.agentRuntime.preflight(task, ctx.settings);
      if (!runtime.ok) return fail(runtime.code, runtime.message, 'agent_runtime');
      lap('model');
      if (!ctx.baseCommit && (await deps.forge.getBranchHead(repo, branch))) {
        return fail('BRANCH_EXISTS', `Branch ${branch} already exists on the remote.`, 'branch');
      }
      lap('branch');
      ({ baseCommit } = await deps.forge.createWorkspace(repo, {
        dir: deps.sandboxes.workspaceDir(task.task_id),
        branch,
      }));
      lap('workspace');
    } catch (err) {
      return endOnForgeFailure(deps, task.task_id, err);
    }
    let sandbox: Sandbox;
    try {
      sandbox = await taskSandbox(deps, task.task_id, ctx.settings.network_allowlist ?? []);
    } catch (err) {
      return fail(
        'SANDBOX_UNAVAILABLE',
        `The ${deps.sandboxes.kind} sandbox could not start: ${(err as Error).message}`,
        'sandbox',
      );
    }
    lap('sandbox');
    await emit('preflight.workspace_ready', {
      base_commit: baseCommit,
      sandbox: deps.sandboxes.kind,
      ...timings,
    });
    if (ctx.settings.setup_command) {
      const setup = await runCheck(sandbox, 'setup', ctx.settings.setup_command, {
        timeoutMs: SETUP_TIMEOUT_MS,
        secrets: deps.secrets,
        signal,
      });
      await emit('preflight.setup', {
        ok: setup.ok,
        exit_code: setup.exitCode,
        duration_ms: setup.durationMs,
        output_tail: setup.outputTail,
      });
      if (signal.aborted) return 'continue';
      if (!setup.ok)
        return fail(
          'SETUP_FAILED',
          `The setup command \`${setup.command}\` failed (exit ${setup.exitCode ?? setup.killed}):\n${setup.outputTail.slice(-1500)}`,
          'setup',
        );
    }
    const baseline = await runRepoChecks(deps, sandbox, ctx.settings, signal);
    for (const b of baseline)
      await emit('preflight.baseline', {
        check: b.name,
        ok: b.ok,
        exit_code: b.exitCode,
        duration_ms: b.durationMs,
      });
    if (signal.aborted) return 'continue';
    await patchTask(deps.db, task.task_id, {
      context: { ...ctx, baseCommit, baseline } as unknown as Record<string, unknown>,
    });
    await emit('preflight.passed', { forge: repo.forge.kind, agent_runtime: deps.agentRuntime.kind });
    const moved = await transition(deps.db, task.task_id, 'RUNNING', { from: ['HYDRATING'] });
    return moved ? 'continue' : 'stop';
  },
};
