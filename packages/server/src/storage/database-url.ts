/**
 * Connection strings of PostgreSQL databases: the same server's other database, and the embedded
 * server's own (through its Unix socket where it can).
 */

/** `url` with its database named `database`; the user, the host and every option stay as they are. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The longest path a Unix socket may have (`sun_path` is 108 bytes with its closing NUL). */
const SOCKET_PATH_MAX = 107;

/**
 * The connection string of `database` on a server on this machine that listens on 127.0.0.1:`port`
 * and has its Unix socket in `socketDir`. Through the socket when its path fits: a query's round
 * trip there costs a fraction of one over loopback TCP (on the 2-core machine, 0.09-0.27 ms and
 * 0.03-0.11 ms of the client's CPU against 0.43-0.59 ms and 0.10-0.19 ms; docs/benchmarks.md). The
 * host in the URL stays 127.0.0.1 (what a display of the URL shows, and what a client that ignores
 * the `host` option would use); the `host` option names the socket's folder.
 */
export function localServerUrl(opts: {
  user: string;
  password: string;
  port: number;
  socketDir?: string;
  database: string;
}): string {
  const u = new URL(`postgresql://127.0.0.1:${opts.port}/`);
  u.username = encodeURIComponent(opts.user);
  u.password = encodeURIComponent(opts.password);
  u.pathname = `/${encodeURIComponent(opts.database)}`;
  const socket = `${opts.socketDir}/.s.PGSQL.${opts.port}`;
  if (opts.socketDir && Buffer.byteLength(socket) <= SOCKET_PATH_MAX)
    u.searchParams.set('host', opts.socketDir);
  return u.toString();
}
