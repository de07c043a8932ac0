import pg from 'pg';

/** The channel every task event row notifies on, with the task id (storage/migrations/027_creation_function.sql). */
const CHANNEL = 'abca_task_events';
/** How long the shared connection stays open after its last watch, for the next wait of the same test. */
const LINGER_MS = 1000;

/** A watch on one task's events: from its creation on, no notification for the task is missed. */
export interface TaskWatch {
  /** Resolves at the task's first event since the last wait (or since the watch began), or after `maxMs`. */
  wait(maxMs: number): Promise<'notified' | 'timeout'>;
  close(): void;
}

export interface TaskWake {
  watch(taskId: string): Promise<TaskWatch>;
}

/**
 * Lets a test's waits on a task wake at its next event instead of asking the API every few
 * milliseconds (each ask costs the test process and the platform some 4 ms of CPU; a suite waits on
 * tasks for minutes). One `LISTEN` connection per database, opened at the first watch and closed
 * a second after the last one ends. A notification is a hint: callers still re-read the task, and
 * still poll now and then for what no event announces. Without a connection (it failed), a watch
 * only times out, so the caller falls back to polling.
 */
export function createTaskWake(databaseUrl: string): TaskWake {
  const watches = new Map<string, Set<(notified: boolean) => void>>();
  const pending = new Set<object>();
  let client: Promise<pg.Client | undefined> | undefined;
  let users = 0;
  let linger: NodeJS.Timeout | undefined;
  const connect = async (): Promise<pg.Client | undefined> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('error', () => {});
    c.on('notification', (n) => {
      const taskId = n.payload?.split(':')[0];
      if (taskId) for (const fn of watches.get(taskId) ?? []) fn(true);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      return c;
    } catch {
      await c.end().catch(() => {});
      return undefined;
    }
  };
  const release = () => {
    users -= 1;
    if (users > 0) return;
    clearTimeout(linger);
    linger = setTimeout(() => {
      const closing = client;
      client = undefined;
      void closing?.then((c) => c?.end().catch(() => {}));
    }, LINGER_MS);
    linger.unref();
  };
  return {
    async watch(taskId) {
      users += 1;
      clearTimeout(linger);
      client ??= connect();
      await client;
      const token = {};
      let wake: ((notified: boolean) => void) | undefined;
      const onNotify = () => {
        if (wake) wake(true);
        else pending.add(token);
      };
      const set = watches.get(taskId) ?? new Set();
      set.add(onNotify);
      watches.set(taskId, set);
      let closed = false;
      return {
        wait(maxMs) {
          if (pending.delete(token)) return Promise.resolve('notified');
          return new Promise((resolve) => {
            const timer = setTimeout(() => {
              wake = undefined;
              resolve('timeout');
            }, maxMs);
            wake = () => {
              clearTimeout(timer);
              wake = undefined;
              resolve('notified');
            };
          });
        },
        close() {
          if (closed) return;
          closed = true;
          set.delete(onNotify);
          if (set.size === 0) watches.delete(taskId);
          pending.delete(token);
          release();
        },
      };
    },
  };
}
