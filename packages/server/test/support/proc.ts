import { readdirSync, readFileSync } from 'node:fs';

/** Finding a test's processes in /proc by a mark in their command line. */

/** A `sleep` with a duration no other process on the host uses, to find it in /proc. */
export const marker = () => `${30000 + Math.floor(Math.random() * 60000)}.${process.pid}`;

/**
 * The pids of live processes whose command line holds `mark`; with `name`, only those whose own
 * name (`/proc/<pid>/status`) is that: a process forked and not yet exec'd shows its parent's
 * command line, so a count of marked processes of any name can include such a passing copy.
 */
export function running(mark: string, name?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes(mark)) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      if (state === 'Z' || (name && /^Name:\s+(.*)$/m.exec(status)?.[1] !== name)) continue;
      pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function gone(mark: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (running(mark).length === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return running(mark).length === 0;
}
