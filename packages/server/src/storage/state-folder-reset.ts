/**
 * The traces of a state folder and their removal. Node built-ins only: the compiled CLI bundles
 * this file (`@abca/server/state-folder`) so `abca reset` does not load the server.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The folder `<home>/pg/LOCATION` names as holding this state folder's data, if any. */
export function recordedLocation(home: string): string | undefined {
  try {
    return /is in (\/\S+)/.exec(readFileSync(join(home, 'pg', 'LOCATION'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** What `abca reset` would remove, and what stops it. */
export interface StateFolderTraces {
  home: string;
  /** Every path to remove: the state folder, and the embedded database's data when it is elsewhere. */
  paths: string[];
  /** ABCA processes using the folder (a server or a worker): reset refuses while any runs. */
  running: { pid: number; what: string }[];
}

/** Looks at a state folder without changing anything. */
export function stateFolderTraces(home: string): StateFolderTraces {
  const outside = recordedLocation(home);
  const paths = [home, ...(outside ? [outside] : [])].filter((p) => existsSync(p));
  const running: StateFolderTraces['running'] = [];
  const server = readPid(join(home, 'server.json'));
  if (server !== undefined && alive(server))
    running.push({ pid: server, what: 'the API server (abca serve)' });
  const owner = readPid(join(home, 'pg-owner.json'));
  if (owner !== undefined && owner !== server && alive(owner))
    running.push({
      pid: owner,
      what: 'the process that started its embedded PostgreSQL (abca serve or worker)',
    });
  return { home, paths, running };
}

/**
 * Removes every trace of a state folder: a PostgreSQL left running by a killed process is stopped
 * (fast shutdown of its postmaster), then the folder and the out-of-folder data are deleted.
 * Throws when an ABCA process still uses the folder; the caller checks {@link stateFolderTraces} first.
 */
export async function resetStateFolder(home: string): Promise<string[]> {
  const traces = stateFolderTraces(home);
  const first = traces.running[0];
  if (first) throw new Error(`${first.what} (pid ${first.pid}) still uses ${home}: stop it first`);
  for (const dataDir of [join(home, 'pg', 'data'), ...traces.paths.slice(1).map((p) => join(p, 'data'))]) {
    await stopLeftoverPostgres(dataDir);
  }
  for (const path of traces.paths) rmSync(path, { recursive: true, force: true });
  return traces.paths;
}

/** A postmaster of this data folder that outlived its ABCA process: asked to stop, and waited for. */
async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isPostmasterOf(pid, dataDir)) return;
  process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown
  const deadline = Date.now() + 60_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Only a process whose command line names this data folder is touched (a pid may have been reused). */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof v.pid === 'number' ? v.pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
