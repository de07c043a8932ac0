import type { GitCli } from '../../git/git-cli.ts';
import { ForgeError } from '../../ports/forge.ts';

/** Commits replayed at most (an iteration makes a handful). */
const MAX_REPLAYED = 200;

/**
 * Replays the commits `base..head` onto `onto` (a newer head of the same branch) in a host
 * repository, without a work tree and without running anything from the repository: each commit's
 * tree is the three-way merge (`git merge-tree --write-tree`) of `onto` and that commit over their
 * common base, and the new commit keeps the original's author, committer and message with the new
 * tree and parent — so replaying the same work onto the same head gives the same commits. A branch
 * rewritten since `base` (not an ancestor of `onto`), a merge commit among the work, or any
 * conflict gives up with `PUSH_CONFLICT`: nothing is written to the remote.
 */
export async function replayOnto(
  git: GitCli,
  repoDir: string,
  opts: { base: string; head: string; onto: string; branch: string; signal?: AbortSignal },
): Promise<string> {
  const { base, head, onto, branch } = opts;
  const run = { cwd: repoDir, ...(opts.signal ? { signal: opts.signal } : {}) };
  const giveUp = (why: string) =>
    new ForgeError(
      'PUSH_CONFLICT',
      `Someone pushed to '${branch}' while the task ran (it is at ${onto.slice(0, 12)}; the task started from ${base.slice(0, 12)}) and the work could not be rebased onto it: ${why}. Nothing was pushed; resubmit the iteration to work from the new head.`,
      false,
    );
  const ancestor = await git.tryRun(['merge-base', '--is-ancestor', base, onto], run);
  if (ancestor.code !== 0) throw giveUp('the branch was rewritten (force-pushed)');
  const listed = await git.run(['rev-list', '--reverse', '--parents', `${base}..${head}`], {
    ...run,
    maxOutputBytes: 1024 * 1024,
  });
  const commits = listed.split('\n').filter(Boolean);
  if (commits.length > MAX_REPLAYED) throw giveUp(`over ${MAX_REPLAYED} commits`);
  let tip = onto;
  for (const line of commits) {
    const [commit = '', ...parents] = line.split(' ');
    if (parents.length !== 1) throw giveUp(`${commit.slice(0, 12)} is a merge commit`);
    const merged = await git.tryRun(['merge-tree', '--write-tree', '--no-messages', onto, commit], {
      ...run,
      maxOutputBytes: 1024 * 1024,
      truncate: true,
    });
    if (merged.code === 1) throw giveUp(`${commit.slice(0, 12)} conflicts with it`);
    // Git before 2.38 has no `merge-tree --write-tree`: no rebase without a work tree there.
    if (merged.code === 129) throw giveUp("this host's git is older than 2.38 and cannot rebase it");
    if (merged.code !== 0)
      throw new ForgeError('INTERNAL_ERROR', `git merge-tree failed: ${merged.stderr.slice(0, 500)}`, false);
    const tree = merged.stdout.split('\n')[0]?.trim() ?? '';
    if (!/^[0-9a-f]{40,64}$/.test(tree))
      throw new ForgeError('INTERNAL_ERROR', 'git merge-tree gave no tree', false);
    tip = await rewrite(git, run, commit, tree, tip);
  }
  return tip;
}

/** A copy of `commit` with `tree` and the one parent `parent` (signatures dropped), written to the repository. */
async function rewrite(
  git: GitCli,
  run: { cwd: string; signal?: AbortSignal },
  commit: string,
  tree: string,
  parent: string,
): Promise<string> {
  const raw = await git.run(['cat-file', 'commit', commit], { ...run, maxOutputBytes: 1024 * 1024 });
  const split = raw.indexOf('\n\n');
  const headers = (split === -1 ? raw : raw.slice(0, split)).split('\n');
  const message = split === -1 ? '' : raw.slice(split + 2);
  const kept: string[] = [];
  let inSignature = false;
  for (const h of headers) {
    // A header's continuation lines start with a space (a signature spans many).
    if (h.startsWith(' ')) {
      if (!inSignature) kept.push(h);
      continue;
    }
    inSignature = h.startsWith('gpgsig');
    if (inSignature || h.startsWith('tree ') || h.startsWith('parent ')) continue;
    kept.push(h);
  }
  const object = [`tree ${tree}`, `parent ${parent}`, ...kept].join('\n') + `\n\n${message}`;
  return (await git.run(['hash-object', '-t', 'commit', '-w', '--stdin'], { ...run, stdin: object })).trim();
}
