import { chmod, chown, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { isHostAllowed, normalizeHost } from './host-allowlist.ts';
import type { SandboxEvent } from './sandbox.ts';

export interface EgressProxyOptions {
  /** Unix socket path to listen on (created; removed at close). */
  socketPath: string;
  /** Exact host names or `*.example.com` wildcards; everything else is refused with 403. */
  allowedHosts: readonly string[];
  /** Receives `egress_allowed` and `egress_blocked` events. */
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

/** Splits `host:port` / `[v6]:port` as found in a CONNECT request line. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: normalizeHost(match[1]), port };
}

/**
 * Starts the host-side egress proxy of one sandbox: HTTP `CONNECT` (for TLS) and absolute-URI plain
 * HTTP requests, on a unix socket that is bind-mounted into the sandbox. Host names are resolved
 * on the host; only allowlisted names are connected, every refusal is reported as an event.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const decide = (host: string, port: number): boolean => {
    const allowed = isHostAllowed(host, options.allowedHosts);
    options.onEvent?.({ type: allowed ? 'egress_allowed' : 'egress_blocked', host, port });
    return allowed;
  };

  const server = http.createServer((req, res) => {
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
    if (!decide(host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`egress proxy: ${host} is not allowed\n`);
      return;
    }
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = http.request(
      { host, port, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`egress proxy: ${error.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => {});
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    if (!decide(target.host, target.port)) {
      client.end(
        'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\negress proxy: host not allowed\n',
      );
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port });
    track(upstream);
    let connected = false;
    upstream.on('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (!connected) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
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
