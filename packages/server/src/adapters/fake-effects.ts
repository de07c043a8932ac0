import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';

/**
 * The log the in-tree fakes keep of every external effect they perform, in the platform's database,
 * so a test can check after crashes that each effect happened exactly once. No deduplication here:
 * idempotency is the callers' job, and this log is how tests catch a caller that is not idempotent.
 */
export interface FakeEffects {
  record(taskId: string, effect: string, detail?: Record<string, unknown>): Promise<void>;
  list(taskId: string): Promise<{ effect: string; detail: Record<string, unknown> }[]>;
  /** Artificial latency after an effect (a crash inside a step then lands after the effect). */
  pause(signal?: AbortSignal): Promise<void>;
}

export function createFakeEffects(db: Queryable, opts: { executorId: string; delayMs: number }): FakeEffects {
  return {
    async record(taskId, effect, detail = {}) {
      await db.query(
        'INSERT INTO fake_effects (task_id, effect, detail, executor_id) VALUES ($1, $2, $3, $4)',
        [taskId, effect, toJsonb(detail), opts.executorId],
      );
    },
    async list(taskId) {
      const res = await db.query<{ effect: string; detail: Record<string, unknown> }>(
        'SELECT effect, detail FROM fake_effects WHERE task_id = $1 ORDER BY id',
        [taskId],
      );
      return res.rows;
    },
    pause(signal) {
      if (opts.delayMs <= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const t = setTimeout(resolve, opts.delayMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
