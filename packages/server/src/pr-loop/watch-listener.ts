import pg from 'pg';
import type { Logger } from '../ops/logger.ts';
import { PR_WATCH_CHANNEL } from './watch-store.ts';

/**
 * One `LISTEN abca_pr_watch` connection calling `onWake` on each nudge and after a reconnect
 * (nudges sent while it was away are lost: the poller looks again). Hints only: the poller's own
 * timer covers anything missed.
 */
export async function listenForWatchNudges(
  url: string,
  log: Logger,
  onWake: () => void,
): Promise<{ close(): Promise<void> }> {
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'PR watch listener connection lost; reconnecting');
      client = undefined;
      c.end().catch(() => {});
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    });
    c.on('notification', () => onWake());
    await c.connect();
    await c.query(`LISTEN ${PR_WATCH_CHANNEL}`);
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
  };
  const reconnect = async (): Promise<void> => {
    if (closed) return;
    try {
      await connect();
      onWake();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'PR watch listener could not reconnect; trying again');
      if (!closed) setTimeout(() => void reconnect(), 5000).unref();
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
