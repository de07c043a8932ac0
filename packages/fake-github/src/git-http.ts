import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A smart-HTTP request already authorised by the server. */
export interface GitHttpRequest {
  /** Folder holding `owner/name.git`. */
  readonly projectRoot: string;
  /** `/owner/name.git/info/refs` and the like. */
  readonly pathInfo: string;
  readonly query: string;
  /** The authenticated login; `git http-backend` refuses receive-pack without one. */
  readonly remoteUser: string;
}

/** Finds the end of the CGI header block (`\r\n\r\n` or `\n\n`). */
function headerEnd(buffer: Buffer): { at: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  return lf === -1 ? undefined : { at: lf, length: 2 };
}

/**
 * Runs `git http-backend` as a CGI script for one request: the body goes to its stdin, its
 * headers (with `Status:`) become the response's, the rest of its stdout is piped through.
 */
export function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  request: GitHttpRequest,
): Promise<void> {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: request.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
    CONTENT_TYPE: header('content-type'),
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = header('content-length');
  if (req.headers['git-protocol'] !== undefined) env.GIT_PROTOCOL = header('git-protocol');
  if (req.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = header('content-encoding');

  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let pending: Buffer = Buffer.alloc(0);
    let headersDone = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const end = headerEnd(pending);
      if (!end) return;
      headersDone = true;
      let status = 200;
      const lines = pending.subarray(0, end.at).toString('latin1').split(/\r?\n/);
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      const rest = pending.subarray(end.at + end.length);
      if (rest.length > 0) res.write(rest);
    });
    child.on('close', (code) => {
      if (!headersDone) {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'text/plain');
        }
        res.end(`git http-backend failed (exit ${code}): ${stderr}`);
      } else {
        res.end();
      }
      resolve();
    });
    child.on('error', () => {
      // 'close' still follows and answers the request.
    });
    child.stdin.on('error', () => {
      // The backend may exit before reading the whole body (a refused push); the close handler answers.
    });
    req.pipe(child.stdin);
  });
}
