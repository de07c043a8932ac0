import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<state folder>/server.json` names the API server of a state folder for the CLI on this machine
 * (`{ url, pid }`). One state folder has one API server: a second `abca serve` on the same folder is
 * refused before it starts anything (workers may join freely). A file left by a process that is
 * gone is taken over.
 */
export class StateFolderInUseError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
    readonly url: string | undefined,
  ) {
    super(
      `Another ABCA server (pid ${pid}${url ? `, ${url}` : ''}) is already running on the state folder ${home}.`,
    );
    this.name = 'StateFolderInUseError';
  }

  get remedy(): string {
    return `use that server (the CLI finds it through ${join(this.home, 'server.json')}), stop it first, or give this one a state folder of its own: ABCA_HOME=<another folder> (with DATABASE_URL shared, for scale-out)`;
  }
}

export interface ServerFile {
  /** Records the URL once the API listens. */
  publish(url: string): void;
  /** Removes the file if it is still ours. */
  release(): void;
}

interface Entry {
  pid?: number;
  url?: string;
}

/** Claims the state folder's server.json for this process, or throws {@link StateFolderInUseError}. */
export function claimServerFile(home: string, pid = process.pid): ServerFile {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'server.json');
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx`: of two servers starting at once, exactly one creates it.
      writeFileSync(file, JSON.stringify({ pid }), { mode: 0o600, flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const current = read(file);
      if (current?.pid !== undefined && current.pid !== pid && alive(current.pid)) {
        throw new StateFolderInUseError(home, current.pid, current.url);
      }
      // Ours (a restart in this process) or left by a process that is gone.
      rmSync(file, { force: true });
    }
  }
  return {
    publish(url) {
      writeFileSync(file, JSON.stringify({ url, pid }), { mode: 0o600 });
    },
    release() {
      if (read(file)?.pid === pid) rmSync(file, { force: true });
    },
  };
}

function read(file: string): Entry | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    return typeof v === 'object' && v !== null ? v : undefined;
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
