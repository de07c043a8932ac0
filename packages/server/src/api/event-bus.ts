import pg from 'pg';
import type { Logger } from '../ops/logger.ts';

/**
 * Fans the database's `abca_task_events` notifications out to live listeners in this process
 * (server-sent event streams), over one LISTEN connection. Notifications are hints: listeners
 * re-read the log from their cursor, so a lost one only delays delivery until the next poll.
 */
export interface EventBus {
  subscribe(taskId: string, onEvent: () => void): () => void;
  close(): Promise<void>;
}

export async function createEventBus(url: string, log: Logger): Promise<EventBus> {
  const subs = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', (err) => {
      log.warn({ err }, 'event listener connection lost; reconnecting');
      client = undefined;
      if (!closed) setTimeout(() => void connect().catch(() => {}), 1000).unref();
    });
    c.on('notification', (n) => {
      const taskId = n.payload?.split(':')[0];
      if (taskId) for (const fn of subs.get(taskId) ?? []) fn();
    });
    await c.connect();
    await c.query('LISTEN abca_task_events');
    client = c;
  };
  await connect();
  return {
    subscribe(taskId, onEvent) {
      const set = subs.get(taskId) ?? new Set();
      set.add(onEvent);
      subs.set(taskId, set);
      return () => {
        set.delete(onEvent);
        if (set.size === 0) subs.delete(taskId);
      };
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
    },
  };
}
