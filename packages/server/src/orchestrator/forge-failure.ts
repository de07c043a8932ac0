import { taskError } from '@abca/contracts';
import { ForgeError } from '../ports/forge.ts';
import type { OrchestratorDeps } from './deps.ts';
import { endTask } from './step.ts';

/**
 * A forge call failed: a typed, non-retryable failure ends the task with its code (`stop`); any
 * other error is rethrown so the step is retried with backoff.
 */
export async function endOnForgeFailure(
  deps: OrchestratorDeps,
  taskId: string,
  err: unknown,
): Promise<'stop'> {
  if (err instanceof ForgeError && !err.retryable) {
    await endTask(deps, taskId, 'FAILED', taskError(err.code, err.message));
    return 'stop';
  }
  throw err;
}
