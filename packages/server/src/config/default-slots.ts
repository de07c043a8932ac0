import { availableParallelism } from 'node:os';

/**
 * The default of `ABCA_MAX_TASKS`: how many tasks the platform runs at once when the operator sets
 * nothing. Two per core: a task's own steps (git, the sandbox, the database) keep about one core
 * busy while they run, and a task waiting on its model uses none, so two per core keeps the cores
 * busy without admitting tasks that would only queue inside their steps. Measured on a 2-core
 * machine (docs/operations.md, "How many tasks at once"): 50 trivial tasks admitted at once moved
 * no more tasks a second than 4 and made each one's pre-flight wait behind the others'.
 */
export function defaultMaxTasks(cores: number = availableParallelism()): number {
  return Math.max(2, 2 * Math.max(1, Math.floor(cores)));
}
