import pg from 'pg';
import type { Logger } from '../ops/logger.ts';

/**
 * One `LISTEN <channel>` connection that calls `onWake` on each notification and after a reconnect
 * (notifications sent while it was away are lost: the caller looks again). Hints only: whoever
 * listens keeps a timer of its own for anything missed. `what` names it in the log.
 */
export async function listenForWakes(
  url: string,
  channel: string,
  o: { log: Logger; what: string; onWake: () => void },
): Promise<{ close(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  const { log, what, onWake } = o;
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', (err) => {
      log.warn({ err: err.message }, `${what} connection lost; reconnecting`);
      client = undefined;
      c.end().catch(() => {});
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    });
    c.on('notification', () => onWake());
    await c.connect();
    await c.query(`LISTEN ${channel}`);
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
      log.warn({ err: (err as Error).message }, `${what} could not reconnect; trying again`);
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
