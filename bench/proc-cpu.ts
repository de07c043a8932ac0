/**
 * CPU-seconds from /proc, for benchmarks that count what a task costs the machine: this process,
 * the child processes it has waited for (git, bwrap, socat...: `cutime`/`cstime`), the ones still
 * running, and the embedded PostgreSQL's processes (a daemon, not our child). CPU time is what load
 * from other jobs disturbs least on a shared machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICK = 100; // USER_HZ on Linux

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, seconds */
  self: number;
  /** cutime + cstime: its children that exited and were waited for, seconds */
  reaped: number;
}

/** utime, stime, cutime and cstime of a process from `/proc/<pid>/stat`; undefined once it is gone. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { pid, ppid: n(4), self: (n(14) + n(15)) / TICK, reaped: (n(16) + n(17)) / TICK };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** CPU-seconds of a process tree: the root, its exited children, and every live descendant. */
function treeCpu(root: number, stats: ProcStat[], exclude = new Set<number>()): number {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  let total = 0;
  const walk = (s: ProcStat) => {
    if (exclude.has(s.pid)) return;
    total += s.self + s.reaped;
    for (const c of byParent.get(s.pid) ?? []) walk(c);
  };
  const r = stats.find((s) => s.pid === root);
  if (r) walk(r);
  return total;
}

export interface CpuSample {
  /** this Node process, seconds (user + system) */
  node: number;
  /** its child processes, exited or running (git, bwrap, socat, the sandbox's commands), seconds */
  children: number;
  /** the embedded PostgreSQL (postmaster and its backends), seconds; 0 without one */
  postgres: number;
}

/** The postmaster's pid from its data folder, when the bench runs an embedded PostgreSQL. */
export function postmasterPid(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

export function sampleCpu(pgPid?: number): CpuSample {
  const stats = allStats();
  const me = stats.find((s) => s.pid === process.pid);
  const u = process.cpuUsage();
  const node = (u.user + u.system) / 1e6;
  const exclude = new Set(pgPid ? [pgPid] : []);
  const tree = treeCpu(process.pid, stats, exclude);
  return {
    node,
    children: Math.max(0, tree - (me?.self ?? 0)),
    postgres: pgPid ? treeCpu(pgPid, stats) : 0,
  };
}

export function cpuDelta(a: CpuSample, b: CpuSample): CpuSample {
  return { node: b.node - a.node, children: b.children - a.children, postgres: b.postgres - a.postgres };
}
