import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApiErrorCode } from '@abca/contracts';
import { getRequestListener, RequestError } from '@hono/node-server';
import { newUlid } from '../ops/ids.ts';
import type { Logger } from '../ops/logger.ts';

export interface HttpServerOptions {
  fetch: Parameters<typeof getRequestListener>[0];
  /** Where the server listens: the host a request without a `Host` header is taken to name. */
  hostname: string;
  /**
   * Seconds a client has to send its whole request, headers and body (`ABCA_REQUEST_READ_TIMEOUT_S`);
   * a slower one gets a 408 and its connection closed. It does not limit responses: a followed
   * event stream stays open as long as it likes.
   */
  readTimeoutS: number;
  log: Logger;
}

/**
 * The Node HTTP server in front of a Hono app. Over @hono/node-server's default it adds a read
 * deadline in seconds (Node's is 300 s), and answers what never reaches the app (malformed HTTP,
 * headers over 16 KB, a slow request, `CONNECT`, a URL Hono cannot parse) with the API's JSON error
 * shape instead of a bare status or a dropped connection. Those are normal traffic: logged at debug.
 */
export function createHttpServer(o: HttpServerOptions): Server {
  const listener = getRequestListener(o.fetch, {
    hostname: o.hostname,
    errorHandler: (err) => {
      if (err instanceof RequestError) {
        o.log.debug({ reason: err.message }, 'request refused before routing');
        return errorResponse(400, 'VALIDATION_ERROR', `The request cannot be read: ${err.message}.`);
      }
      o.log.error({ err }, 'unhandled error before routing');
      return errorResponse(500, 'INTERNAL_ERROR', 'Something failed on our side.');
    },
  });
  const ms = Math.round(o.readTimeoutS * 1000);
  const server = createServer(
    {
      requestTimeout: ms,
      // A request without Host is answered by the API (in its error shape), not with Node's bare 400.
      requireHostHeader: false,
      headersTimeout: ms,
      // How often Node looks for connections past their deadline (its default, 30 s, would
      // stretch a 15 s deadline to 45).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(ms / 4))),
    },
    (req, res) => {
      // An Upgrade this server does not honour leaves Node's parser unable to report a malformed
      // next request on the connection (it waits for the read deadline): close it after the answer.
      if (req.headers.upgrade !== undefined) res.shouldKeepAlive = false;
      lingerOnClose(req.socket);
      return listener(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean; req?: { method?: string } } })
      ._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = refusal(err, o.readTimeoutS);
    // A response to HEAD has no body, even an error (the client would read it as the next response).
    const raw = (err as { rawPacket?: unknown }).rawPacket;
    const head =
      inFlight?.req?.method === 'HEAD' ||
      (Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ');
    o.log.debug(
      {
        code: err.code,
        status,
        start: Buffer.isBuffer(raw) ? raw.subarray(0, 12).toString('latin1') : undefined,
      },
      'malformed or slow request refused',
    );
    writeAndClose(socket, status, code, message, head);
  });
  server.on('connect', (_req, socket: Duplex) => {
    writeAndClose(socket, 405, 'METHOD_NOT_ALLOWED', 'This server is not a proxy: CONNECT is not allowed.');
  });
  return server;
}

const LINGER_MS = 2000;
const lingering = Symbol('lingering');

/**
 * A lingering close: when Node closes a connection after a response (`Connection: close`, as after a
 * 413), it first stops writing, then reads and drops what the client is still sending (for at most
 * {@link LINGER_MS}) before it closes. Closing with unread bytes would reset the connection, and a
 * client still sending its body would lose the answer.
 */
function lingerOnClose(socket: Socket): void {
  const s = socket as Socket & { [lingering]?: true };
  if (s[lingering]) return;
  s[lingering] = true;
  s.destroySoon = function destroySoon(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => {
      clearTimeout(timer);
      this.destroy();
    });
    this.once('close', () => clearTimeout(timer));
    this.on('data', () => {});
    this.resume();
  };
}

function refusal(err: NodeJS.ErrnoException, readTimeoutS: number): [number, ApiErrorCode, string] {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [
        408,
        'REQUEST_TIMEOUT',
        `The request was not received within ${readTimeoutS} s (ABCA_REQUEST_READ_TIMEOUT_S); send it whole and promptly.`,
      ];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 KB.'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'PAYLOAD_TOO_LARGE', 'The chunk extensions of the body are too large.'];
    default:
      return [400, 'VALIDATION_ERROR', `The request is not valid HTTP/1.1 (${err.code ?? 'malformed'}).`];
  }
}

function errorBody(code: ApiErrorCode, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, request_id: requestId } });
}

function errorResponse(status: number, code: ApiErrorCode, message: string): Response {
  const requestId = newUlid();
  return new Response(errorBody(code, message, requestId), {
    status,
    // Node may not be able to read another request on this connection: the client opens a new one.
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, Connection: 'close' },
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Writes a whole HTTP/1.1 error response on a raw socket, then closes it once flushed. */
function writeAndClose(
  socket: Duplex,
  status: number,
  code: ApiErrorCode,
  message: string,
  headOnly = false,
): void {
  const requestId = newUlid();
  const body = errorBody(code, message, requestId);
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Connection: close',
  ].join('\r\n');
  socket.on('error', () => {});
  socket.end(`${head}\r\n\r\n${headOnly ? '' : body}`, () => socket.destroy());
  // A peer that never reads must not keep the socket open.
  setTimeout(() => socket.destroy(), 5000).unref();
}
