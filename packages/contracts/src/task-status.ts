import { z } from 'zod';

/** Every state a task can be in; the last four are terminal. */
export const TASK_STATUSES = [
  'SUBMITTED',
  'QUEUED',
  'HYDRATING',
  'RUNNING',
  'AWAITING_APPROVAL',
  'FINALIZING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const;

export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/**
 * The only transitions the platform allows. The store enforces them with a conditional UPDATE
 * (`WHERE status = from`), so two processes racing on one task cannot both win.
 */
export const VALID_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  SUBMITTED: ['HYDRATING', 'QUEUED', 'FAILED', 'CANCELLED'],
  QUEUED: ['SUBMITTED', 'CANCELLED', 'FAILED'],
  HYDRATING: ['RUNNING', 'AWAITING_APPROVAL', 'FAILED', 'CANCELLED', 'TIMED_OUT'],
  RUNNING: ['AWAITING_APPROVAL', 'FINALIZING', 'CANCELLED', 'TIMED_OUT', 'FAILED'],
  AWAITING_APPROVAL: ['RUNNING', 'FINALIZING', 'CANCELLED', 'FAILED'],
  FINALIZING: ['AWAITING_APPROVAL', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
  TIMED_OUT: [],
};

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return VALID_TRANSITIONS[from].includes(to);
}
