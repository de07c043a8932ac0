import { taskError } from '@abca/contracts';
import { appendEvent } from '../../store/event-store.ts';
import { takeNudges } from '../../store/nudge-store.ts';
import { getTask, patchTask, setUsage } from '../../store/task-store.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import { runFailure } from './run-failure.ts';

/** Outcomes after which finalization takes the work: everything but a cancellation. */
const KEEPS_WORK = ['completed', 'max_turns', 'budget_exceeded', 'timed_out', 'stuck', 'failed'];

/**
 * Runs the agent through the AgentRuntime port in the task's sandbox. Whatever stopped the run
 * (completed, a limit, wall time, a model error, stuck detection), finalization takes the work and
 * pushes it (a draft PR saying why the run stopped); a run that stopped on a failure and changed
 * nothing ends there with the run's error, as does a cancellation here.
 */
export const agentExecutionStep: StepDefinition = {
  name: 'agent-execution',
  timeoutMs: (deps) => deps.config.taskTimeoutS * 1000,
  // The runtime resumes from its transcript, so a retry continues rather than repeats.
  maxAttempts: 2,
  onTimeout: { status: 'TIMED_OUT', error: taskError('STEP_TIMEOUT', 'The agent ran out of wall time.') },
  handlesTimeout: true,
  // Another machine may have taken the task over: its workspace comes back from the checkpoint, or
  // without one is made anew (and the agent starts over).
  workspace: 'restored-or-recreated',
  async run({ task, signal, timedOut, emit, workspace, drain }, deps) {
    if (task.status !== 'RUNNING') return 'skipped';
    if (task.outcome?.agent) return 'skipped';
    let ws: Awaited<ReturnType<typeof workspace>>;
    try {
      // The transcript describes edits a re-made workspace does not have: it is forgotten.
      ws = await workspace({ onRecreated: async () => deps.agentRuntime.forget?.(task.task_id) });
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
    if (!ws.ok) {
      await endTask(deps, task.task_id, 'FAILED', ws.error);
      return 'stop';
    }
    const { ctx, sandbox } = ws;
    const result = await deps.agentRuntime.run({
      task,
      prompt: ctx.prompt,
      sandbox,
      settings: ctx.settings,
      signal,
      drain: drain.signal,
      interrupt: drain.deadline,
      emit: async (type, data) => {
        await appendEvent(deps.db, task.task_id, type, data);
      },
      readNudges: async () => (await takeNudges(deps.db, task.task_id)).map((n) => n.message),
      reportUsage: (usage) => setUsage(deps.db, task.task_id, usage),
    });
    await setUsage(deps.db, task.task_id, result.usage);
    // The process is stopping: the run saved its transcript and goes on from it on resume. Not an
    // outcome of the task: nothing is checkpointed or ended here.
    if (result.outcome === 'interrupted') {
      await emit('agent.interrupted', { turns: result.usage.turns });
      return 'interrupted';
    }
    const outcome = timedOut() && result.outcome === 'cancelled' ? 'timed_out' : result.outcome;
    const agent = { outcome, summary: result.summary, error: result.error ?? null };
    await emit('agent.finished', { outcome, turns: result.usage.turns, cost_usd: result.usage.costUsd });
    const current = await getTask(deps.db, task.task_id);
    if (!current || current.status === 'CANCELLED') return 'stop';
    // Work that goes on to finalization is checkpointed: finalization may run on another machine.
    // Work that cannot be taken out of the sandbox (too large, a broken repository) ends here.
    // A review's work is never taken out: nothing of it is pushed (its review step posts the answer).
    if (KEEPS_WORK.includes(outcome) && task.workflow_ref !== 'coding/pr-review-v1') {
      // Not under the step's signal: after a timeout the work is still taken out.
      const failure = await deps.taskWorkspaces.checkpoint(current, ctx, sandbox, { emit });
      if (failure) {
        await patchTask(deps.db, task.task_id, { outcome: { ...(current.outcome ?? {}), agent } });
        // A run that failed on its own keeps its own error; the checkpoint's is in the events.
        const runError = runFailure(outcome, result.error);
        await endTask(deps, task.task_id, 'FAILED', runError ?? failure);
        return 'stop';
      }
    }
    await patchTask(deps.db, task.task_id, { outcome: { ...(current.outcome ?? {}), agent } });
    if (outcome === 'cancelled') return 'stop';
    // Finalization pushes the work as a draft when a limit, an error or stuck detection stopped the
    // run, and ends the task with the reason (FAILED with the run's code, the draft PR's url kept).
    return 'continue';
  },
};
