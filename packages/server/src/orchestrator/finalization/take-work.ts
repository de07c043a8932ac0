import type { Sandbox } from '@abca/sandbox';
import type { WorkCapture } from '../../ports/workspaces.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask, transition } from '../../store/task-store.ts';
import type { OrchestratorDeps } from '../deps.ts';
import { endTask, type StepContext } from '../step.ts';
import type { TaskContext } from '../task-context.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import { type GateVerdict, judge, runRepoChecks } from '../workspace/checks.ts';

export type TakenWork = { task: TaskRow; ctx: TaskContext; sandbox: Sandbox; capture: WorkCapture };

/**
 * The start of a finalization: the task moves to FINALIZING (or already is), its workspace is
 * opened (restored from the checkpoint on another machine) and the work is taken out of the sandbox
 * and verified on the host. `stop` when the task ended (a typed failure, not running any more).
 */
export async function takeWork(
  { task: initial, signal, workspace }: Pick<StepContext, 'task' | 'signal' | 'workspace'>,
  deps: OrchestratorDeps,
): Promise<TakenWork | 'stop'> {
  if (initial.status === 'RUNNING') {
    if (!(await transition(deps.db, initial.task_id, 'FINALIZING', { from: ['RUNNING'] }))) return 'stop';
  } else if (initial.status !== 'FINALIZING') {
    return 'stop';
  }
  const task = (await getTask(deps.db, initial.task_id)) ?? initial;
  try {
    const ws = await workspace();
    if (!ws.ok) {
      await endTask(deps, task.task_id, 'FAILED', ws.error);
      return 'stop';
    }
    // The work, taken out of the sandbox and verified on the host: what is pushed and listed.
    const capture = await deps.taskWorkspaces.capture(task, ws.ctx, ws.sandbox, signal);
    return { task, ctx: ws.ctx, sandbox: ws.sandbox, capture };
  } catch (err) {
    return endOnTypedFailure(deps, task.task_id, err);
  }
}

/** The validation gate: the repo's checks in the sandbox, judged against the baseline, as an event. */
export async function validationGate(
  { emit, signal }: Pick<StepContext, 'emit' | 'signal'>,
  deps: OrchestratorDeps,
  ctx: TaskContext,
  sandbox: Sandbox,
): Promise<GateVerdict> {
  const verdict = judge(
    ctx.settings.validation_mode ?? 'regression_only',
    ctx.baseline ?? [],
    await runRepoChecks(sandbox, ctx.settings, { secrets: deps.secrets, signal }),
  );
  await emit('finalization.validation', {
    mode: verdict.mode,
    passed: verdict.passed,
    failing: verdict.failing,
    checks: verdict.checks.map((c) => ({
      name: c.name,
      ok: c.ok,
      exit_code: c.exitCode,
      baseline_ok: c.baselineOk,
    })),
  });
  return verdict;
}
