import { taskError } from '@abca/contracts';
import { transition } from '../../store/task-store.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';

/** Fails fast, before any model token is spent: forge access, sandbox and model readiness. */
export const preflightStep: StepDefinition = {
  name: 'pre-flight',
  timeoutMs: () => 600_000,
  maxAttempts: 3,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Pre-flight checks took too long.') },
  async run({ task, emit }, deps) {
    if (task.status !== 'HYDRATING') return 'continue';
    const repo = await repoRef(deps.db, task.repo);
    const forge = await deps.forge.checkAccess(repo);
    if (!forge.ok) {
      await emit('preflight.failed', { check: 'forge', code: forge.code, message: forge.message });
      await endTask(deps, task.task_id, 'FAILED', taskError(forge.code, forge.message));
      return 'stop';
    }
    const runtime = await deps.agentRuntime.preflight(task);
    if (!runtime.ok) {
      await emit('preflight.failed', {
        check: 'agent_runtime',
        code: runtime.code,
        message: runtime.message,
      });
      await endTask(deps, task.task_id, 'FAILED', taskError(runtime.code, runtime.message));
      return 'stop';
    }
    await emit('preflight.passed', { forge: deps.forge.kind, agent_runtime: deps.agentRuntime.kind });
    const moved = await transition(deps.db, task.task_id, 'RUNNING', { from: ['HYDRATING'] });
    return moved ? 'continue' : 'stop';
  },
};
