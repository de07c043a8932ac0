import { taskError } from '@abca/contracts';
import { gate } from '../../approvals/gate.ts';
import { planGate } from '../../approvals/plan-gate.ts';
import { createToolGate } from '../../approvals/tool-gate.ts';
import type { AgentRunInput, AgentRunResult } from '../../ports/agent-runtime.ts';
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
 *
 * Approval gates (docs/approvals.md): with a plan gate the agent first plans read-only and works
 * only once a person approved the plan; with tool rules a matching call waits for a person. Either
 * way the step returns `await` (the task waits holding nothing) and the decision's run comes back
 * here: the agent resumes from its transcript at the held call.
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
    // This run asked a person already and ended its step there (a re-run after a crash): it waits.
    if (task.status === 'AWAITING_APPROVAL') return 'await';
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
    const policy = ctx.settings.approvals;
    const common: Omit<AgentRunInput, 'prompt'> = {
      task,
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
    };
    const planned = await planGate(deps, {
      task,
      policy,
      prompt: ctx.prompt,
      plan: (round, prompt) => deps.agentRuntime.run({ ...common, prompt, plan: { round } }),
    });
    if (planned.kind === 'await' || planned.kind === 'stop' || planned.kind === 'interrupted')
      return planned.kind;
    if (planned.kind === 'end') {
      await endTask(deps, task.task_id, 'FAILED', planned.error);
      return 'stop';
    }
    let result: AgentRunResult;
    for (;;) {
      const tools = createToolGate(deps.db, {
        taskId: task.task_id,
        policy,
        allowlist: ctx.settings.network_allowlist ?? [],
        workspacePath: sandbox.workspacePath,
      });
      result = await deps.agentRuntime.run({
        ...common,
        prompt: planned.prompt,
        ...(tools.check ? { gateToolCall: tools.check } : {}),
      });
      if (result.outcome !== 'awaiting_approval') break;
      // A tool call waits on a person: the run saved where it stopped; nothing is checkpointed or
      // ended, and the decision's run resumes the agent at that call.
      await setUsage(deps.db, task.task_id, result.usage);
      const held = tools.held();
      if (!held) throw new Error('the agent paused for an approval no gate asked for');
      if (held.kind === 'cancelled') return 'stop';
      if (held.kind === 'expired') {
        await endTask(deps, task.task_id, 'FAILED', taskError('APPROVAL_TIMEOUT'));
        return 'stop';
      }
      const answer = await gate(deps, {
        task,
        step: 'agent-execution',
        key: held.key,
        request: held.request,
        policy: policy ?? {},
      });
      if (answer.kind === 'wait') return 'await';
      if (answer.kind === 'stop') return 'stop';
      // Decided already (the timeout, between the call and here): the agent runs again and reads it.
    }
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
