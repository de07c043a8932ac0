import pg from 'pg';
import type { Logger } from '../ops/logger.ts';

/** The channel the outbox trigger notifies on (migration 011): the payload is the task id. */
export const OUTBOX_CHANNEL = 'abca_channel_outbox';

/**
 * One `LISTEN abca_channel_outbox` connection that calls `onWake` on each notification and after
 * a reconnect (notifications sent while it was away are lost: the caller looks again). Hints only:
 * the dispatcher's slow poll covers anything missed.
 */
export async function listenForOutbox(
  url: string,
  log: Logger,
  onWake: () => void,
): Promise<{ close(): Promise<void> }> {
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'outbox listener connection lost; reconnecting');
      client = undefined;
      c.end().catch(() => {});
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    });
    c.on('notification', () => onWake());
    await c.connect();
    await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
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
      log.warn({ err: (err as Error).message }, 'outbox listener could not reconnect; trying again');
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
