import { ForgeError, type RepoRef } from '../../ports/forge.ts';
import type { WorkCapture, Workspaces } from '../../ports/workspaces.ts';

/**
 * Pushes an iteration's work to its pull request's branch, fast-forward only: the branch must
 * still be where the task started (`baseCommit`). Already at the work's head (a retry after a
 * crash past the push): nothing to do. Deleted: `PR_BRANCH_GONE`; moved (someone pushed, or
 * force-pushed): `PUSH_CONFLICT`. Nothing is pushed in either case, and `Workspaces.push` never
 * forces, so a push racing another one is refused by the remote (`PUSH_CONFLICT` too).
 */
export async function pushToPullRequest(
  workspaces: Pick<Workspaces, 'remoteHead' | 'push'>,
  repo: RepoRef,
  opts: { branch: string; baseCommit: string; capture: WorkCapture; signal?: AbortSignal },
): Promise<{ commit: string; pushed: boolean }> {
  const { branch, baseCommit, capture, signal } = opts;
  const sig = signal ? { signal } : {};
  const head = await workspaces.remoteHead(repo, branch, sig);
  if (head === undefined)
    throw new ForgeError(
      'PR_BRANCH_GONE',
      `The branch '${branch}' of the pull request was deleted on the remote; nothing was pushed.`,
      false,
    );
  if (head === capture.head) return { commit: head, pushed: false };
  if (head !== baseCommit) throw moved(branch, head, baseCommit);
  try {
    const { commit } = await workspaces.push(repo, { branch, baseCommit, capture, ...sig });
    return { commit, pushed: true };
  } catch (err) {
    if (err instanceof ForgeError && err.code === 'PUSH_REJECTED') {
      const now = await workspaces.remoteHead(repo, branch, sig).catch(() => undefined);
      if (now === capture.head) return { commit: now, pushed: false };
      throw moved(branch, now ?? 'unknown', baseCommit);
    }
    throw err;
  }
}

function moved(branch: string, head: string, base: string): ForgeError {
  return new ForgeError(
    'PUSH_CONFLICT',
    `Someone pushed to '${branch}' while the task ran (it is at ${head.slice(0, 12)}; the task started from ${base.slice(0, 12)}); nothing was pushed. Resubmit the iteration to work from the new head.`,
    false,
  );
}
