import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * The client closed its connection (or was cut off by the read deadline) before its request was
 * read. Normal traffic, not a failure of ours: logged at debug, and nobody is left to answer.
 */
export class ClientGoneError extends Error {
  constructor(cause: unknown) {
    super('The client went away before sending its whole request.', { cause });
    this.name = 'ClientGoneError';
  }
}

/** Whether the connection of `c`'s request is closed (only known behind @hono/node-server). */
export function clientGone(c: Context): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return c.req.raw.signal?.aborted === true || incoming?.socket?.destroyed === true;
}

const ABORT_CODES = new Set([
  'ECONNRESET',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ABORT_ERR',
]);

/** Whether `err` (or its cause) is a stream cut short: what reading the body of a closed request throws. */
function isStreamAbort(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ABORT_CODES.has(code)) return true;
    if (e.name === 'AbortError' || e.message === 'aborted' || /prematurely closed/i.test(e.message))
      return true;
  }
  return false;
}

/**
 * A {@link ClientGoneError} when `err` is the read of a request whose client is gone, else undefined
 * (a body over the size limit, say, is not: that client is still there for its 413).
 */
export function clientGoneError(c: Context, err: unknown): ClientGoneError | undefined {
  if (err instanceof ClientGoneError) return err;
  return clientGone(c) && isStreamAbort(err) ? new ClientGoneError(err) : undefined;
}
