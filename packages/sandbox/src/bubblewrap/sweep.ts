import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CgroupLayout, cgroupOwnerPid, removeStaleCgroups } from '../cgroup.ts';

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
 * proxy sockets) and their cgroups. Each is judged by its own owner pid (the run folder's owner
 * file, the pid in the cgroup name), never by what else is listed, so it is safe to run while other
 * processes on the host create and use sandboxes, whatever run folder they use. Folders without an
 * owner file and cgroups whose name carries no pid are left alone.
 */
export async function sweepLeftovers(opts: { runDir: string; layout: CgroupLayout }): Promise<string[]> {
  const swept: string[] = [];
  let entries: string[] = [];
  try {
    entries = await readdir(opts.runDir);
  } catch {
    entries = [];
  }
  for (const id of entries) {
    const owner = Number((await readFile(join(opts.runDir, id, OWNER_FILE), 'utf8').catch(() => '')).trim());
    if (owner > 0 && !pidAlive(owner)) {
      await rm(join(opts.runDir, id), { recursive: true, force: true }).catch(() => {});
      swept.push(id);
    }
  }
  const cgroups = await removeStaleCgroups(opts.layout, (name) => {
    const owner = cgroupOwnerPid(name);
    return owner === undefined || pidAlive(owner);
  });
  return [...swept, ...cgroups];
}
