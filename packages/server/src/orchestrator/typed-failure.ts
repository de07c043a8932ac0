import { taskError } from '@abca/contracts';
import { ForgeError } from '../ports/forge.ts';
import type { OrchestratorDeps } from './deps.ts';
import { endTask } from './step.ts';
import { workspaceFailure } from './workspace/task-workspace.ts';

/**
 * A forge or workspace call failed: a typed, non-retryable failure (a forge's, a repository or a
 * workspace too large or broken, a sandbox that cannot start) ends the task with its code
 * (`stop`); any other error is rethrown so the step is retried with backoff.
 */
export async function endOnTypedFailure(
  deps: OrchestratorDeps,
  taskId: string,
  err: unknown,
): Promise<'stop'> {
  if (err instanceof ForgeError && !err.retryable) {
    await endTask(deps, taskId, 'FAILED', taskError(err.code, err.message));
    return 'stop';
  }
  const typed = workspaceFailure(err);
  if (typed) {
    await endTask(deps, taskId, 'FAILED', typed);
    return 'stop';
  }
  throw err;
}
