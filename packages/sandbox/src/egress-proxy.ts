import { chmod, chown, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createEgressDecider, type EgressDecision, type EgressLookup } from './egress-decision.ts';
import { isValidHost, normalizeHost } from './host-allowlist.ts';
import type { SandboxEvent } from './sandbox.ts';

export interface EgressProxyOptions {
  /** Unix socket path to listen on (created; removed at close). */
  socketPath: string;
  /**
   * `host`, `*.example.com` or an IP, each optionally with `:port` (without, 80 and 443 only);
   * everything else is refused with 403. Throws at start on a malformed entry.
   */
  allowedHosts: readonly string[];
  /**
   * CIDR ranges of non-public addresses the operator lets sandboxes reach (e.g. `10.0.0.0/8`).
   * Cloud metadata addresses stay refused unless listed as a single address. Default none.
   */
  allowPrivateRanges?: readonly string[];
  /** Resolver for host names; default the host's (`dns.lookup`, every address). */
  lookup?: EgressLookup;
  /** Receives `egress_allowed` and `egress_blocked` events, one per request. */
  onEvent?: (event: SandboxEvent) => void;
  /** Owner given to the socket so an unprivileged sandbox user may connect. */
  socketOwner?: { uid: number; gid: number };
}

/** A running egress proxy; {@link EgressProxy.close} is idempotent. */
export interface EgressProxy {
  readonly socketPath: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'upgrade', 'te'];

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
};

/** A complete plain-text HTTP/1.1 response, for sockets no longer owned by the HTTP server. */
function rawResponse(status: number, message: string): string {
  const body = `egress proxy: ${message}\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: text/plain\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Splits `host:port` / `[v6]:port` as found in a CONNECT request line. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match?.[1] || !match[2] || !isValidHost(match[1])) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: normalizeHost(match[1]), port };
}

/**
 * Starts the host-side egress proxy of one sandbox: HTTP `CONNECT` (for TLS) and absolute-URI plain
 * HTTP requests, on a unix socket that is bind-mounted into the sandbox. A request goes out only
 * when its host and port are allowlisted and the name resolves (on the host) to an address the
 * policy accepts; the proxy then connects to that very address, so a second DNS answer cannot
 * redirect it (DNS rebinding). Every decision is reported as an event; bad input gets a 4xx.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const decider = createEgressDecider(options);
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const decide = async (host: string, port: number): Promise<EgressDecision> => {
    const decision = await decider(host, port);
    const event: SandboxEvent = decision.allowed
      ? { type: 'egress_allowed', host, port, address: decision.address }
      : {
          type: 'egress_blocked',
          host,
          port,
          reason: decision.reason,
          ...(decision.address === undefined ? {} : { address: decision.address }),
        };
    try {
      options.onEvent?.(event);
    } catch {
      // A failing listener must not break the proxy.
    }
    return decision;
  };
  const statusOf = (decision: Extract<EgressDecision, { allowed: false }>) =>
    decision.reason === 'resolve_failed' ? 502 : 403;

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('egress proxy: absolute http:// URL required\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('egress proxy: use CONNECT for https\n');
      return;
    }
    const host = normalizeHost(url.hostname);
    const port = Number(url.port || 80);
    const decision = await decide(host, port);
    if (!decision.allowed) {
      res
        .writeHead(statusOf(decision), { 'content-type': 'text/plain' })
        .end(`egress proxy: ${decision.message}\n`);
      return;
    }
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    headers.host ??= url.host;
    const upstream = http.request(
      {
        host: decision.address,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`egress proxy: ${error.message}\n`);
    });
    res.on('close', () => upstream.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };

  const tunnel = async (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      client.end(rawResponse(400, 'CONNECT needs host:port'));
      return;
    }
    const decision = await decide(target.host, target.port);
    if (client.destroyed) return;
    if (!decision.allowed) {
      client.end(rawResponse(statusOf(decision), decision.message));
      return;
    }
    const upstream = net.connect({ host: decision.address, port: target.port });
    track(upstream);
    let connected = false;
    upstream.on('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (!connected) client.end(rawResponse(502, error.message));
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
  };

  const server = http.createServer((req, res) => {
    forward(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`egress proxy: ${error.message}\n`);
    });
  });
  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => {});
    tunnel(req, client, head).catch(() => client.destroy());
  });
  // Malformed request lines, oversized headers, slow clients: answer in plain words, never throw.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    socket.on('error', () => {});
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_HEADER_OVERFLOW') socket.end(rawResponse(431, 'request headers too large'));
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(rawResponse(408, 'request too slow'));
    else socket.end(rawResponse(400, `malformed request (${error.code ?? 'parse error'})`));
  });

  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (options.socketOwner) {
    await chown(options.socketPath, options.socketOwner.uid, options.socketOwner.gid);
    await chmod(options.socketPath, 0o600);
  }

  let closed: Promise<void> | undefined;
  return {
    socketPath: options.socketPath,
    close() {
      closed ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(options.socketPath, { force: true });
      })();
      return closed;
    },
  };
}
