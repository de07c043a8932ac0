import { taskError } from '@abca/contracts';
import { spentMonthlyBudget } from '../../store/monthly-budgets.ts';
import { getRepo } from '../../store/repo-store.ts';
import { transition } from '../../store/task-store.ts';
import { endTask, type StepDefinition } from '../step.ts';

/**
 * The task holds a concurrency slot (the dispatcher admitted it before starting this workflow):
 * tell its channel it started, move it from SUBMITTED to HYDRATING and start its clock. A re-run finds it past SUBMITTED.
 * A task that waited while its user's or repo's monthly budget was spent by others ends here with
 * BUDGET_EXCEEDED, before any work (or cost).
 */
export const admissionStep: StepDefinition = {
  name: 'admission',
  timeoutMs: () => 30_000,
  maxAttempts: 5,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Admission took too long.') },
  async run({ task }, deps) {
    if (task.status !== 'SUBMITTED') return 'continue';
    if (!task.admitted_at) throw new Error(`task ${task.task_id} started without holding a slot`);
    const repo = await getRepo(deps.db, task.repo);
    const spent = await spentMonthlyBudget(
      deps.db,
      { userId: task.user_id, repo: task.repo, repoBudgetUsd: repo?.settings.monthly_budget_usd },
      new Date(),
    );
    if (spent) {
      await endTask(deps, task.task_id, 'FAILED', taskError('BUDGET_EXCEEDED', spent.message));
      return 'stop';
    }
    await deps.notifier.notify(task, 'started');
    const moved = await transition(deps.db, task.task_id, 'HYDRATING', {
      from: ['SUBMITTED'],
      patch: { started_at: new Date() },
    });
    return moved ? 'continue' : 'stop';
  },
};
