import { type TaskError, type TaskFailureCode, taskError } from '@abca/contracts';
import type { AgentOutcome } from '../../ports/agent-runtime.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { runFailure } from '../steps/run-failure.ts';

const LIMIT_ERRORS: Partial<Record<AgentOutcome, TaskError>> = {
  max_turns: taskError('MAX_TURNS_REACHED'),
  budget_exceeded: taskError('BUDGET_EXCEEDED'),
  timed_out: taskError('STEP_TIMEOUT', 'The agent ran out of wall time; the work so far is in a draft PR.'),
};

/** How the agent's run ended, as the agent step stored it, and what that means for finalization. */
export interface AgentResult {
  outcome: AgentOutcome;
  summary?: string;
  /** The run's own failure (stuck, a model error), when it had one. */
  failure: TaskError | null;
  /** Why the run stopped early, when it did: a limit, or the failure. */
  limit: TaskError | null;
}

export function agentResult(task: TaskRow): AgentResult {
  const agent = (task.outcome?.agent ?? {}) as {
    outcome?: AgentOutcome;
    summary?: string;
    error?: { code: TaskFailureCode; message: string } | null;
  };
  const outcome = agent.outcome ?? 'completed';
  const failure = runFailure(outcome, agent.error) ?? null;
  return {
    outcome,
    ...(agent.summary !== undefined ? { summary: agent.summary } : {}),
    failure,
    limit: LIMIT_ERRORS[outcome] ?? failure,
  };
}
