import { ForgeError, type RepoRef } from '../../ports/forge.ts';
import type { WorkCapture, Workspaces } from '../../ports/workspaces.ts';

/**
 * Pushes an iteration's work to its pull request's branch, fast-forward only. Where the task
 * started (`baseCommit`): pushed as it is. Moved meanwhile (someone pushed): the work is rebased
 * onto the new head in a clean host repository (`Workspaces.push` with `onto`) and that is pushed;
 * a conflict or a rewritten (force-pushed) branch is `PUSH_CONFLICT`, a deleted one
 * `PR_BRANCH_GONE`, with nothing pushed. Already at the work's head, or at the rebased head
 * `rebased.recorded` names (a retry after a crash past the push): nothing to do.
 */
export async function pushToPullRequest(
  workspaces: Pick<Workspaces, 'remoteHead' | 'push'>,
  repo: RepoRef,
  opts: {
    branch: string;
    baseCommit: string;
    capture: WorkCapture;
    /** The rebased head an earlier attempt recorded before pushing it, and how to record one. */
    rebased: { recorded: string | undefined; record(commit: string): Promise<void> };
    signal?: AbortSignal;
  },
): Promise<{ commit: string; pushed: boolean; rebased: boolean }> {
  const { branch, baseCommit, capture, signal } = opts;
  const sig = signal ? { signal } : {};
  const head = await workspaces.remoteHead(repo, branch, sig);
  if (head === undefined)
    throw new ForgeError(
      'PR_BRANCH_GONE',
      `The branch '${branch}' of the pull request was deleted on the remote; nothing was pushed.`,
      false,
    );
  if (head === capture.head) return { commit: head, pushed: false, rebased: false };
  if (head === opts.rebased.recorded) return { commit: head, pushed: false, rebased: true };
  const onto = head === baseCommit ? undefined : head;
  try {
    const { commit } = await workspaces.push(repo, {
      branch,
      baseCommit,
      capture,
      ...(onto ? { onto, beforePush: opts.rebased.record } : {}),
      ...sig,
    });
    return { commit, pushed: true, rebased: onto !== undefined };
  } catch (err) {
    // Someone pushed between the look and the push: the remote refused it (never forced).
    if (err instanceof ForgeError && err.code === 'PUSH_REJECTED')
      throw new ForgeError(
        'PUSH_CONFLICT',
        `Someone pushed to '${branch}' while ABCA was pushing; nothing was pushed. Resubmit the iteration to work from the new head.`,
        false,
      );
    throw err;
  }
}
