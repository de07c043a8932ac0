import type { Db } from '../storage/db.ts';

/**
 * Turns a task's CANCELLED state, set by any process, into an AbortSignal for the step running it
 * in this process. One query per poll covers every task running here.
 */
export interface Cancellations {
  /** A signal aborted when the task is cancelled; call the returned release when the step ends. */
  watch(taskId: string): { signal: AbortSignal; release(): void };
  /** Aborts at once when the cancel request was handled by this very process. */
  cancelLocal(taskId: string): void;
  stop(): void;
}

export function createCancellations(db: Db, opts: { pollMs: number }): Cancellations {
  const watched = new Map<string, Set<AbortController>>();
  const abort = (taskId: string) => {
    for (const c of watched.get(taskId) ?? []) c.abort(new Error('task cancelled'));
  };
  const timer = setInterval(async () => {
    if (watched.size === 0) return;
    try {
      const res = await db.query<{ task_id: string }>(
        "SELECT task_id FROM tasks WHERE task_id = ANY($1) AND status = 'CANCELLED'",
        [[...watched.keys()]],
      );
      for (const r of res.rows) abort(r.task_id);
    } catch {
      // The next poll retries; a database outage must not crash the worker.
    }
  }, opts.pollMs);
  timer.unref();
  return {
    watch(taskId) {
      const c = new AbortController();
      const set = watched.get(taskId) ?? new Set();
      set.add(c);
      watched.set(taskId, set);
      return {
        signal: c.signal,
        release() {
          set.delete(c);
          if (set.size === 0) watched.delete(taskId);
        },
      };
    },
    cancelLocal: abort,
    stop() {
      clearInterval(timer);
    },
  };
}
