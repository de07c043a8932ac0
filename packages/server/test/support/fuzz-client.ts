import http from 'node:http';
import { describeRequest, type FuzzRequest } from './api-fuzz.ts';

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Empty for HEAD and for an event stream (closed after its head). */
  body: string;
  ms: number;
  /** The request sent before this one on the same connection, for failure messages. */
  previous?: string;
}

/**
 * Sends fuzz requests over real HTTP/1.1 with keep-alive connections (Node's own client: it sends
 * paths, methods and bytes as given, and parses responses strictly). A request that gets no answer
 * within `deadlineMs` is a hang.
 */
export function createFuzzClient(url: string, opts: { sockets: number; deadlineMs: number }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets });

  function once(req: FuzzRequest): Promise<FuzzResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body && !req.chunked) headers['content-length'] = req.body.length;
      // Explicit: Node sends a GET, HEAD or DELETE body unframed unless told.
      if (req.body && req.chunked) headers['transfer-encoding'] = 'chunked';
      const r = http.request({
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.path,
        headers,
        agent,
        // The path as generated: dot segments and odd bytes are the point.
        insecureHTTPParser: false,
      });
      const timer = setTimeout(() => {
        r.destroy(new Error(`no answer within ${opts.deadlineMs} ms (a hang)`));
      }, opts.deadlineMs);
      let previous: string | undefined;
      r.on('socket', (socket) => {
        const tagged = socket as typeof socket & { lastRequest?: string };
        previous = tagged.lastRequest;
        tagged.lastRequest = describeRequest(req);
      });
      r.on('error', (err) => {
        clearTimeout(timer);
        reject(Object.assign(err, { reusedSocket: r.reusedSocket, previous }));
      });
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          // A followed stream stays open by design: its head is the answer; hanging up is normal traffic.
          clearTimeout(timer);
          res.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: '',
            ms: performance.now() - started,
            previous,
          });
          return;
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
            previous,
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      if (req.body && req.chunked) {
        const mid = Math.floor(req.body.length / 2);
        r.write(req.body.subarray(0, mid));
        r.end(req.body.subarray(mid));
      } else {
        r.end(req.body);
      }
    });
  }

  return {
    /**
     * One request. A reset on a reused keep-alive socket (the server closed it while this request
     * was on its way, as after a 413) is retried once on a fresh one, as Node's documentation advises.
     */
    async send(req: FuzzRequest): Promise<FuzzResponse> {
      try {
        return await once(req);
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean; previous?: string };
        const reused = e.reusedSocket || e.previous !== undefined;
        if (reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return once(req);
        throw err;
      }
    },
    close: () => agent.destroy(),
  };
}
