import { taskError } from '@abca/contracts';
import { transition } from '../../store/task-store.ts';
import type { StepDefinition } from '../step.ts';

/**
 * The task holds a concurrency slot (the dispatcher admitted it before starting this workflow):
 * tell its channel it started, move it from SUBMITTED to HYDRATING and start its clock. A re-run finds it past SUBMITTED.
 */
export const admissionStep: StepDefinition = {
  name: 'admission',
  timeoutMs: () => 30_000,
  maxAttempts: 5,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Admission took too long.') },
  async run({ task }, deps) {
    if (task.status !== 'SUBMITTED') return 'skipped';
    if (!task.admitted_at) throw new Error(`task ${task.task_id} started without holding a slot`);
    await deps.notifier.notify(task, 'started');
    const moved = await transition(deps.db, task.task_id, 'HYDRATING', {
      from: ['SUBMITTED'],
      patch: { started_at: new Date() },
    });
    return moved ? 'continue' : 'stop';
  },
};
