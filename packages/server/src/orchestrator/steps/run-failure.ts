import { type TaskError, type TaskFailureCode, taskError } from '@abca/contracts';
/** The task error of a run that stopped on a failure (stuck or an error), else `undefined`. */
export function runFailure(
  outcome: string,
  error: { code: TaskFailureCode; message: string } | null | undefined,
): TaskError | undefined {
  if (outcome === 'stuck') return taskError('AGENT_STUCK', error?.message);
  if (outcome === 'failed') return taskError(error?.code ?? 'AGENT_FAILED', error?.message);
  return undefined;
}
