/**
 * A graceful stop of this process's task workflows. Once it starts, no new step begins; each agent
 * stops at its next turn boundary with its transcript saved; a workflow interrupted that way
 * *parks*: its DBOS step never returns, so nothing is recorded as done or failed and the workflow
 * stays pending, to be recovered at the next start (same executor id) or taken over by another
 * worker. At the deadline (`cut`) what still runs is abandoned the same way.
 */
export interface Drain {
  /** Aborted when the stop begins: no new step starts; agents stop at their next turn boundary. */
  readonly signal: AbortSignal;
  /** Aborted at the stop's deadline: the turn in flight is abandoned, its command aborted. */
  readonly deadline: AbortSignal;
  start(): void;
  cut(): void;
  /** Workflows running here that have neither ended nor parked. */
  active(): number;
  /** Counts a workflow as running here until the returned `end` is called. */
  track(taskId: string): { end(): void };
  /** Never resolves: the workflow waits here until the process exits (see above). */
  park(taskId: string): Promise<never>;
  /** Resolves true once no workflow is active, or false when `ms` passed first. */
  settled(ms: number): Promise<boolean>;
}

export function createDrain(): Drain {
  const draining = new AbortController();
  const cutting = new AbortController();
  const active = new Set<string>();
  const parked = new Set<string>();
  let waiters: (() => void)[] = [];
  const changed = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  return {
    signal: draining.signal,
    deadline: cutting.signal,
    start() {
      draining.abort(new Error('draining'));
    },
    cut() {
      draining.abort(new Error('draining'));
      cutting.abort(new Error('stop deadline'));
    },
    active: () => active.size,
    track(taskId) {
      active.add(taskId);
      return {
        end() {
          active.delete(taskId);
          changed();
        },
      };
    },
    park(taskId) {
      active.delete(taskId);
      parked.add(taskId);
      changed();
      return new Promise<never>(() => {});
    },
    async settled(ms) {
      const deadline = Date.now() + ms;
      while (active.size > 0) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return true;
    },
  };
}
