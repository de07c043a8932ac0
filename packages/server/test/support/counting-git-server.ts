import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { serveGitHttp } from '@abca/fake-github';

/** One `ls-refs` a client sent (every fetch and ls-remote of protocol v2 starts with one). */
export interface LsRefs {
  repo: string;
  /** Its `ref-prefix` arguments: what the client asked the remote to advertise. */
  prefixes: string[];
}

export interface CountingGitServer {
  /** The smart-HTTP URL of the bare repository `<root>/<name>`. */
  url(name: string): string;
  /** Every `ls-refs` received so far, in order. */
  readonly lsRefs: LsRefs[];
  /**
   * The repos each advertisement of receive-pack was for, in order: every push and every `push
   * --dry-run` starts with one, and it lists every ref the remote has (protocol v0 has no filter).
   */
  readonly receivePacks: string[];
  /** Advertisements of upload-pack in protocol v0 (every ref listed: a client that cannot ask for less). */
  readonly uploadPackV0: string[];
  close(): Promise<void>;
}

/**
 * Git over smart HTTP (`git http-backend`) for the bare repositories under `root`, on 127.0.0.1,
 * logging what each client asked the remote for: the remote's own view of how often, and for which
 * refs, a platform fetched. Pushes are allowed.
 */
export async function startCountingGitServer(
  root: string,
  opts: {
    /** Speak only protocol v0, as an old server does: the client's `Git-Protocol` header is dropped. */
    v0?: boolean;
  } = {},
): Promise<CountingGitServer> {
  const lsRefs: LsRefs[] = [];
  const receivePacks: string[] = [];
  const uploadPackV0: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (opts.v0) delete req.headers['git-protocol'];
    if (req.method === 'GET' && url.pathname.endsWith('/info/refs')) {
      const repo = url.pathname.replace(/^\/|\/info\/refs$/g, '');
      const service = url.searchParams.get('service');
      if (service === 'git-receive-pack') receivePacks.push(repo);
      if (service === 'git-upload-pack' && !String(req.headers['git-protocol'] ?? '').includes('version=2'))
        uploadPackV0.push(repo);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !url.pathname.endsWith('/git-upload-pack')) return;
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const lines = pktLines(body);
      if (!lines.includes('command=ls-refs')) return;
      lsRefs.push({
        repo: url.pathname.replace(/^\/|\/git-upload-pack$/g, ''),
        prefixes: lines.filter((l) => l.startsWith('ref-prefix ')).map((l) => l.slice('ref-prefix '.length)),
      });
    });
    serveGitHttp(req, res, {
      projectRoot: root,
      pathInfo: url.pathname,
      query: url.search.replace(/^\?/, ''),
      remoteUser: 'abca',
    }).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (name) => `${base}/${name}`,
    lsRefs,
    receivePacks,
    uploadPackV0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The text of each pkt-line of a protocol v2 request (flush and delimiter packets left out). */
function pktLines(body: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 4 <= body.length; ) {
    const len = Number.parseInt(body.subarray(at, at + 4).toString('latin1'), 16);
    if (!Number.isFinite(len)) break;
    if (len < 4) {
      at += 4;
      continue;
    }
    out.push(
      body
        .subarray(at + 4, at + len)
        .toString('utf8')
        .replace(/\n$/, ''),
    );
    at += len;
  }
  return out;
}
