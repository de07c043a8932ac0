import type { EvalArmName, EvalTaskRun, TaskDetail } from '@abca/contracts';
import { type ApiClient, ApiError } from '../client.ts';
import { followTaskEvents } from '../sse.ts';
import { repeatedCorrections } from './corrections.ts';
import type { EvalTask } from './task-file.ts';

/** What one run of a task in one arm tells its caller as it goes. */
export interface RunProgress {
  submitted(taskId: string): void;
  step(step: string): void;
}

/** Thrown when the run was interrupted: the task, if submitted, has been cancelled. */
export class EvalInterrupted extends Error {
  constructor(readonly taskId: string | undefined) {
    super('interrupted');
  }
}

/** `outcome.validation.passed` of a task, or null when it has none. */
export function validationPassed(task: TaskDetail): boolean | null {
  const validation = task.outcome?.validation;
  if (typeof validation !== 'object' || validation === null) return null;
  const passed = (validation as { passed?: unknown }).passed;
  return typeof passed === 'boolean' ? passed : null;
}

/** The task's diff, or undefined when the server does not hold one (no PR, or a forge's own PR). */
async function diffOf(client: ApiClient, taskId: string): Promise<string | undefined> {
  try {
    return await client.getTaskDiffRaw(taskId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Submits `task` in `arm` (memory off: `memory: false`; on: `memory: true`), follows it until it
 * ends, and measures it. When `signal` aborts, the task is cancelled and {@link EvalInterrupted}
 * thrown.
 */
export async function runTask(
  client: ApiClient,
  repo: string,
  task: EvalTask,
  arm: EvalArmName,
  run: number,
  signal: AbortSignal,
  progress: RunProgress,
): Promise<EvalTaskRun> {
  if (signal.aborted) throw new EvalInterrupted(undefined);
  const { task: created } = await client.createTask({
    repo,
    task_description: task.task,
    ...(task.issue !== undefined ? { issue_number: task.issue } : {}),
    ...(task.max_turns !== undefined ? { max_turns: task.max_turns } : {}),
    ...(task.max_budget_usd !== undefined ? { max_budget_usd: task.max_budget_usd } : {}),
    memory: arm === 'memory_on',
  });
  const taskId = created.task_id;
  progress.submitted(taskId);
  for await (const event of followTaskEvents(client, taskId, { signal })) {
    if (event.type === 'step.started' && typeof event.data.step === 'string') progress.step(event.data.step);
  }
  if (signal.aborted) {
    await cancelQuietly(client, taskId);
    throw new EvalInterrupted(taskId);
  }
  const done = await client.getTask(taskId);
  const diff = await diffOf(client, taskId);
  return {
    task: task.id,
    run,
    arm,
    task_id: taskId,
    status: done.status,
    validation_passed: validationPassed(done),
    turns: done.usage.turns,
    cost_usd: Math.max(0, done.usage.cost_usd),
    corrections_checked: diff === undefined ? null : task.corrections.length,
    corrections_repeated: diff === undefined ? [] : repeatedCorrections(diff, task.corrections),
  };
}

/** Cancels a task that may have ended meanwhile (a 409 or 404 then is no failure). */
export async function cancelQuietly(client: ApiClient, taskId: string): Promise<boolean> {
  try {
    await client.cancelTask(taskId);
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 409 || err.status === 404)) return false;
    throw err;
  }
}
