import { taskError } from '@abca/contracts';
import type { OrchestratorDeps } from '../deps.ts';
import { endTask } from '../step.ts';
import type { GateVerdict } from '../workspace/checks.ts';
import type { AgentResult } from './agent-result.ts';

/**
 * Ends a task whose work reached its PR: TIMED_OUT or FAILED with the reason when a limit or a
 * failure stopped the agent, FAILED `VALIDATION_FAILED` when the gate failed, else COMPLETED.
 */
export async function endWithVerdict(
  deps: OrchestratorDeps,
  taskId: string,
  agent: Pick<AgentResult, 'outcome' | 'limit'>,
  verdict: GateVerdict | null,
  patch: { pr_url: string; outcome: Record<string, unknown> },
  /** What holds the work, for the validation failure's message. */
  holder = 'the draft PR',
): Promise<void> {
  if (agent.outcome === 'timed_out') {
    await endTask(deps, taskId, 'TIMED_OUT', agent.limit, patch);
  } else if (agent.limit) {
    await endTask(deps, taskId, 'FAILED', agent.limit, patch);
  } else if (verdict && !verdict.passed) {
    await endTask(
      deps,
      taskId,
      'FAILED',
      taskError(
        'VALIDATION_FAILED',
        `Validation failed (${verdict.failing.join(', ')}); ${holder} holds the output.`,
      ),
      patch,
    );
  } else {
    await endTask(deps, taskId, 'COMPLETED', null, patch);
  }
}
