import { readFile } from 'node:fs/promises';

/** Past this many threads no mark is given (reading them all would cost more than it saves). */
const MAX_THREADS = 256;

/**
 * What the kernel counts of each thread's time on a CPU, as one text: for each thread (by host
 * thread id) how many times it was put on a CPU (`/proc/<tid>/schedstat`, an exact count, not
 * sampled), how many times it left one, voluntarily or not (`/proc/<tid>/status`), and its CPU time.
 * Equal texts read at two moments mean none of the threads ran in between: a thread that ran since
 * was put on a CPU (a count that moved), or was on one at the first reading and left it (another), or
 * is running at the second (refused here).
 *
 * Undefined when it cannot be said: a thread is running or ready to run now, a thread's files
 * cannot be read (it ended meanwhile, or the kernel has no schedstat), there is no thread, or
 * there are more than {@link MAX_THREADS}.
 */
export async function schedulingOf(threads: number[]): Promise<string | undefined> {
  if (threads.length === 0 || threads.length > MAX_THREADS) return undefined;
  const parts: string[] = [];
  for (const tid of [...new Set(threads)].sort((a, b) => a - b)) {
    const one = await threadScheduling(tid);
    if (one === undefined) return undefined;
    parts.push(`${tid}:${one}`);
  }
  return parts.join(' ');
}

async function threadScheduling(tid: number): Promise<string | undefined> {
  let schedstat: string;
  let status: string;
  try {
    // The put-on count first, the state after: a thread not running at the second read that runs
    // later is put on a CPU again (the count read before it moves).
    schedstat = await readFile(`/proc/${tid}/schedstat`, 'utf8');
    status = await readFile(`/proc/${tid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const [runtime, , putOn] = schedstat.trim().split(' ');
  const state = /^State:\s+(\S)/m.exec(status)?.[1];
  const voluntary = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1];
  const forced = /^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1];
  if (!runtime || !putOn || !state || voluntary === undefined || forced === undefined) return undefined;
  if (!/^\d+$/.test(runtime) || !/^\d+$/.test(putOn)) return undefined;
  // Running or ready to run: it may be writing right now.
  if (state === 'R') return undefined;
  return `${putOn}/${voluntary}/${forced}/${runtime}`;
}
