import { withScratchRepo } from '../adapters/workspaces/scratch.ts';
import { ForgeError, type RepoRef } from '../ports/forge.ts';
import { type GitCli, gitError } from './git-cli.ts';
import type { Mirrors, RemoteResolver } from './mirrors.ts';

/** What merging a change request's branch into its base on the remote came to. */
export type MergeOutcome =
  /**
   * The base now holds the branch: `commit` is the merge commit pushed (or the base head when it
   * already held it), `head` the branch's head that was merged.
   */
  | { ok: true; commit: string; head: string; alreadyMerged: boolean }
  /** The branch and the base change the same lines: nothing was pushed. */
  | { ok: false; reason: 'conflict'; paths: string[] }
  /** The branch or the base is not on the remote. */
  | { ok: false; reason: 'branch_gone' | 'base_gone'; ref: string };

export interface ChangeRequestMerger {
  merge(
    repo: RepoRef,
    cr: { number: number; title: string; branch: string; base: string; mergedBy: string },
  ): Promise<MergeOutcome>;
}

/** Conflicting paths listed at most (a million-file conflict is still one answer). */
const MAX_PATHS = 100;

/**
 * Merges a change request on the remote, the way a forge's merge button does: a merge commit of
 * the base's head and the branch's head, pushed to the base without force. The commit is made in a
 * scratch repository the host creates (borrowing the mirror's objects), never in a folder a sandbox
 * wrote, with git's clean environment (no system or global config, no hooks); `merge-tree` merges
 * without a worktree, so no checkout of untrusted files happens either. When the base moved between
 * the mirror's refresh and the push (the push is refused as not a fast-forward), the mirror is
 * refreshed and the merge made again, once.
 */
export function createChangeRequestMerger(deps: {
  git: GitCli;
  mirrors: Pick<Mirrors, 'sync'>;
  remote: RemoteResolver;
  cacheDir: string;
  author?: { name: string; email: string };
}): ChangeRequestMerger {
  const { git } = deps;
  const author = deps.author ?? { name: 'ABCA', email: 'abca@localhost' };

  async function attempt(
    repo: RepoRef,
    cr: Parameters<ChangeRequestMerger['merge']>[1],
  ): Promise<MergeOutcome | 'base_moved'> {
    // Both branches as the remote has them now: merging an older head would lose what was pushed since.
    const { path: mirror } = await deps.mirrors.sync(repo, {
      branches: [cr.base, cr.branch],
      freshAfter: Date.now(),
    });
    const rev = async (branch: string) => {
      const res = await git.tryRun(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
        cwd: mirror,
      });
      return res.code === 0 ? res.stdout.trim() : undefined;
    };
    const base = await rev(cr.base);
    if (!base) return { ok: false, reason: 'base_gone', ref: cr.base };
    const head = await rev(cr.branch);
    if (!head) return { ok: false, reason: 'branch_gone', ref: cr.branch };
    // Someone merged it by hand already: nothing to push.
    const held = await git.tryRun(['merge-base', '--is-ancestor', head, base], { cwd: mirror });
    if (held.code === 0) return { ok: true, commit: base, head, alreadyMerged: true };

    return withScratchRepo(git, { cacheDir: deps.cacheDir, mirror, prefix: 'merge' }, async (scratch) => {
      const merged = await git.tryRun(
        ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', base, head],
        { cwd: scratch, maxOutputBytes: 1024 * 1024, truncate: true },
      );
      const [tree = '', ...rest] = merged.stdout.split('\0');
      if (merged.code === 1) {
        const paths = [...new Set(rest.filter(Boolean))].slice(0, MAX_PATHS);
        return { ok: false, reason: 'conflict', paths };
      }
      if (merged.code !== 0 || !/^[0-9a-f]{40,64}$/.test(tree))
        throw new ForgeError(
          'INTERNAL_ERROR',
          `git merge-tree failed: ${merged.stderr.slice(0, 500)}`,
          false,
        );
      const message = `Merge change request #${cr.number}: ${oneLine(cr.title)}\n\nMerges ${cr.branch} into ${cr.base}; merged by ${oneLine(cr.mergedBy)}.\n`;
      const commit = (
        await git.run(
          [
            '-c',
            `user.name=${author.name}`,
            '-c',
            `user.email=${author.email}`,
            'commit-tree',
            tree,
            '-p',
            base,
            '-p',
            head,
            '-F',
            '-',
          ],
          { cwd: scratch, stdin: message },
        )
      ).trim();
      const remote = await deps.remote(repo);
      const args = ['push', '--quiet', '--no-verify', remote.url, `${commit}:refs/heads/${cr.base}`];
      // No force: a base that moved since the refresh refuses this push, and nothing changes.
      const pushed = await git.tryRun(args, {
        cwd: scratch,
        op: 'push',
        ...(remote.credential ? { credential: remote.credential } : {}),
      });
      if (pushed.code !== 0) {
        if (
          /\[rejected\]|non-fast-forward|fetch first|failed to update ref|cannot lock ref/i.test(
            pushed.stderr,
          )
        )
          return 'base_moved';
        // Any other refusal (access, network) is typed like every other push of the host's.
        throw gitError(args, pushed.stderr, 'push', remote.credential ? [remote.credential.password] : []);
      }
      return { ok: true, commit, head, alreadyMerged: false };
    });
  }

  return {
    async merge(repo, cr) {
      const first = await attempt(repo, cr);
      if (first !== 'base_moved') return first;
      const second = await attempt(repo, cr);
      if (second !== 'base_moved') return second;
      throw new ForgeError(
        'PUSH_REJECTED',
        `${cr.base} moved on the remote twice while merging; nothing was changed, try again`,
        true,
      );
    },
  };
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, 200);
