import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBranchName } from '../adapters/workspaces/branch-name.ts';

const OID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The commit a branch of a host-made repository points at, read from its files (a loose ref, else
 * `packed-refs`) without starting git; undefined when neither holds it plainly (a symbolic ref, a
 * ref store git keeps otherwise), and the caller asks git. Git writes only commits to `refs/heads/`
 * (and a clone copies those to `refs/remotes/origin/`).
 * Never for a repository a sandbox wrote: its files are then no one's word.
 */
export async function readBranchRef(
  gitDir: string,
  branch: string,
  /** Where the branch is: `refs/heads/` (a mirror's own), or `refs/remotes/origin/` (a clone's). */
  prefix: 'refs/heads/' | 'refs/remotes/origin/' = 'refs/heads/',
): Promise<string | undefined> {
  try {
    checkBranchName(branch);
  } catch {
    return undefined;
  }
  const ref = `${prefix}${branch}`;
  const loose = await readFile(join(gitDir, ...ref.split('/')), 'utf8').catch(() => undefined);
  if (loose !== undefined) {
    const oid = loose.trim();
    return OID.test(oid) ? oid : undefined;
  }
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => undefined);
  for (const line of packed?.split('\n') ?? []) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref) {
      const oid = line.slice(0, space);
      return OID.test(oid) ? oid : undefined;
    }
  }
  return undefined;
}
