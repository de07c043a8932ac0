import { isTerminal, taskError, type WorkflowRef } from '@abca/contracts';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { claimResume } from '../approvals/gate.ts';
import { learnAfterTask } from '../memory/after-task.ts';
import { getTask } from '../store/task-store.ts';
import { deleteWorkspaceSnapshot } from '../store/workspace-snapshots.ts';
import type { OrchestratorDeps } from './deps.ts';
import { PR_ITERATION_BLUEPRINT } from './pr-iteration/blueprint.ts';
import { PR_REVIEW_BLUEPRINT } from './pr-review/blueprint.ts';
import { endTask, runBlueprintStep, type StepDefinition } from './step.ts';
import { admissionStep } from './steps/admission.ts';
import { agentExecutionStep } from './steps/agent-execution.ts';
import { finalizationStep } from './steps/finalization.ts';
import { hydrationStep } from './steps/hydration.ts';
import { preflightStep } from './steps/pre-flight.ts';

export const TASK_QUEUE = 'abca-tasks';
export const TASK_WORKFLOW_NAME = 'abca.task';

/** The blueprint: deterministic steps around one agentic step, in this order. */
export const BLUEPRINT: readonly StepDefinition[] = [
  admissionStep,
  hydrationStep,
  preflightStep,
  agentExecutionStep,
  finalizationStep,
];

/** The blueprint of a workflow: new tasks, iterations on a PR, reviews of a PR. */
export function blueprintFor(ref: WorkflowRef | string): readonly StepDefinition[] {
  if (ref === 'coding/pr-iteration-v1') return PR_ITERATION_BLUEPRINT;
  if (ref === 'coding/pr-review-v1') return PR_REVIEW_BLUEPRINT;
  return BLUEPRINT;
}

export type TaskWorkflow = (taskId: string, runSeq?: number, resumeStep?: string | null) => Promise<string>;

type WorkflowHooks = { onStart(): void; onEnd(): void };

/** The orchestrator the registered workflow runs for: the one started last in this process. */
let current: { deps: OrchestratorDeps; hooks: WorkflowHooks } | undefined;
let registered: TaskWorkflow | undefined;

/**
 * Registers the task workflow with DBOS (before launch) and returns it. The workflow id is the
 * task id, so starting it twice is a no-op, and DBOS resumes it at the first unfinished step after a
 * crash. A step that fails beyond its retries ends the task FAILED instead of leaving it hanging.
 *
 * DBOS keeps one registry per process, and a name is registered once: a process that stops its
 * orchestrator and starts another (a restart in place, the test suite's workers running one file
 * after another) gets the same registered workflow, running with the newest orchestrator's deps.
 */
export function registerTaskWorkflow(
  deps: OrchestratorDeps,
  hooks: WorkflowHooks = { onStart() {}, onEnd() {} },
): TaskWorkflow {
  current = { deps, hooks };
  registered ??= DBOS.registerWorkflow(runTask, { name: TASK_WORKFLOW_NAME, maxRecoveryAttempts: 20 });
  return registered;
}

/**
 * One run of a task. The first (`runSeq` 0, workflow id = task id) runs the blueprint from its start;
 * a task that waits at an approval gate ends its run there, and the decision starts the next run
 * (`<task id>.r<runSeq>`) at the step that waited (`resumeStep`). Both are workflow arguments, so a
 * recovery replays the same way.
 */
async function runTask(taskId: string, runSeq = 0, resumeStep: string | null = null): Promise<string> {
  if (!current) throw new Error('the task workflow ran before an orchestrator started');
  const { deps, hooks } = current;
  hooks.onStart();
  // A workflow the stop interrupts parks inside a step and never reaches `finally`: its
  // sandbox goes with the stop, its workspace stays for the resume.
  const tracked = deps.drain.track(taskId);
  let ended = 'done';
  try {
    // The workflow of a task never changes: reading it outside a step replays the same way.
    const ref = (await getTask(deps.db, taskId))?.workflow_ref ?? 'coding/new-task-v1';
    const blueprint = blueprintFor(ref);
    let start = 0;
    if (runSeq > 0) {
      start = Math.max(
        0,
        blueprint.findIndex((s) => s.name === resumeStep),
      );
      const first = blueprint[start]?.name ?? 'agent-execution';
      const claimed = await DBOS.runStep(() => claimResume(deps.db, taskId, runSeq, first), {
        name: 'resume',
      });
      if (!claimed) return 'superseded';
    }
    for (const step of blueprint.slice(start)) {
      const result = await runBlueprintStep(deps, step, taskId, runSeq);
      if (result === 'stop' || result === 'await') {
        ended = result === 'stop' ? 'stopped' : 'awaiting';
        break;
      }
    }
    // Waiting at a gate: the run that ends the task learns from it.
    if (ended === 'awaiting') return ended;
    // Memory's writers (the episode, repo knowledge): once the task has ended, as a durable step
    // that never throws and never changes the task's status. A stopping process leaves it for the
    // resume (it may call a model), like any step not begun.
    await DBOS.runStep(
      async () => (deps.drain.signal.aborted ? deps.drain.park(taskId) : learnAfterTask(deps, taskId)),
      { name: 'memory' },
    );
    return ended;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Cut by the stop's deadline (its database gone, its sandbox stopped): it resumes later.
    if (deps.drain.deadline.aborted) return deps.drain.park(taskId);
    await DBOS.runStep(
      () =>
        endTask(
          deps,
          taskId,
          'FAILED',
          taskError('INTERNAL_ERROR', `A step failed after its retries: ${message}`),
        ),
      { name: 'fail-task' },
    );
    return 'failed';
  } finally {
    // Whatever ended the run (a failed pre-flight, a cancellation, finalization, a gate), the task's
    // sandbox is not needed any more, unless a newer run holds the task now (after a decision).
    // Local and idempotent, so not a durable step.
    const task = await getTask(deps.db, taskId).catch(() => undefined);
    if (!task || task.run_seq === runSeq) {
      await deps.sandboxes.release(taskId).catch((err: unknown) => {
        deps.log.warn({ err, taskId }, 'could not stop the task sandbox');
      });
    }
    // A cancelled task ends outside endTask: its checkpoint goes here.
    if (task && isTerminal(task.status)) await deleteWorkspaceSnapshot(deps.db, taskId).catch(() => {});
    hooks.onEnd();
    tracked.end();
  }
}
