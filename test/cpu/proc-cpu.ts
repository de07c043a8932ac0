import { readdirSync, readFileSync } from 'node:fs';
import { readStat } from '../../bench/proc-cpu.ts';

/** CPU time of one process, in milliseconds: its own and that of the children it has reaped. */
export interface ProcCpu {
  selfMs: number;
  childrenMs: number;
}

/** {@link readStat} (the benches' reader of /proc) in milliseconds, for `self` or a pid. */
export function procCpu(pid: number | 'self' = 'self'): ProcCpu | undefined {
  const s = readStat(pid === 'self' ? process.pid : pid);
  return s && { selfMs: Math.round(s.self * 1000), childrenMs: Math.round(s.reaped * 1000) };
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
