import { readdirSync, readFileSync } from 'node:fs';

/** Finding a test's processes in /proc by a mark in their command line. */

/** A `sleep` with a duration no other process on the host uses, to find it in /proc. */
export const marker = () => `${30000 + Math.floor(Math.random() * 60000)}.${process.pid}`;

export function running(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmd.includes(mark) && state !== 'Z') pids.push(Number(entry));
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
