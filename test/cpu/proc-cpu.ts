import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux x86-64). */
const TICK_MS = 10;

/** CPU time of one process, in milliseconds: its own and that of the children it has reaped. */
export interface ProcCpu {
  selfMs: number;
  childrenMs: number;
}

/** Reads utime, stime, cutime and cstime of a process from /proc (`self` or a pid); undefined if it is gone. */
export function procCpu(pid: number | 'self' = 'self'): ProcCpu | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14 → f[11].
  const n = (i: number) => Number(f[i]) * TICK_MS;
  return { selfMs: n(11) + n(12), childrenMs: n(13) + n(14) };
}

/** The live children of a process (Linux's /proc/<pid>/task/<tid>/children, every thread). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
        if (c) out.push(Number(c));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The process title of a PostgreSQL backend (`postgres: user dbname host(port) state`), or ''. */
export function processTitle(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}
