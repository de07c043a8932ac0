import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CgroupLayout, removeStaleCgroups } from '../cgroup.ts';

/** The file in a sandbox's run folder naming the process that owns it. */
export const OWNER_FILE = 'owner.pid';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans what sandboxes of killed processes left behind: their run folders (staging mount points,
 * proxy sockets) and their cgroups. A sandbox is live while the process that made it is; folders
 * without an owner file are left alone unless their cgroup is gone too. Safe to run while other
 * processes on the host have live sandboxes.
 */
export async function sweepLeftovers(opts: { runDir: string; layout: CgroupLayout }): Promise<string[]> {
  const live = new Set<string>();
  const swept: string[] = [];
  let entries: string[] = [];
  try {
    entries = await readdir(opts.runDir);
  } catch {
    return [];
  }
  for (const id of entries) {
    const owner = Number((await readFile(join(opts.runDir, id, OWNER_FILE), 'utf8').catch(() => '')).trim());
    if (owner > 0 && !pidAlive(owner)) {
      await rm(join(opts.runDir, id), { recursive: true, force: true }).catch(() => {});
      swept.push(id);
    } else {
      live.add(`abca-${id}`);
    }
  }
  const cgroups = await removeStaleCgroups(opts.layout, (name) => live.has(name));
  return [...swept, ...cgroups.filter((c) => !swept.includes(c.slice('abca-'.length)))];
}
