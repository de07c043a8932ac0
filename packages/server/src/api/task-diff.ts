import type { Queryable } from '../storage/db.ts';
import { type ChangeRequest, listChangeRequests } from '../store/change-requests.ts';

/**
 * A task's change as ABCA keeps it: the newest change request of a plain-git repo (its commits and
 * diff, recomputed at each push). Undefined when there is none: no push yet, or the repo's forge
 * keeps the pull request itself (GitHub: `pr_url` links to it). The diff is the repo's text:
 * untrusted.
 */
export async function taskChange(db: Queryable, taskId: string): Promise<ChangeRequest | undefined> {
  const [row] = await listChangeRequests(db, { taskId, limit: 1 });
  return row;
}
