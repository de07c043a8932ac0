import type { GitCli } from './git-cli.ts';
import { readBranchRef } from './ref-file.ts';

/**
 * The commits `branches` point at in the host repository `repoDir`, read with one `for-each-ref`
 * (a process per branch with `rev-parse`). A branch absent, or pointing at anything but a commit
 * (or a tag of one), is not in the answer.
 */
export async function readBranchTips(
  git: GitCli,
  repoDir: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  const tips = new Map<string, string>();
  if (branches.length === 0) return tips;
  const wanted = new Set(branches.map((b) => `refs/heads/${b}`));
  // A pattern also matches the refs below it (`main` matches `main/x`): only exact names count.
  const out = await git.run(
    [
      'for-each-ref',
      '--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)',
      ...wanted,
    ],
    { cwd: repoDir, maxOutputBytes: 1024 * 1024 },
  );
  for (const line of out.split('\n')) {
    const [oid = '', type, peeled = '', peeledType, ...rest] = line.split(' ');
    const ref = rest.join(' ');
    if (!wanted.has(ref)) continue;
    const tip = type === 'commit' ? oid : type === 'tag' && peeledType === 'commit' ? peeled : '';
    if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(tip)) tips.set(ref.slice('refs/heads/'.length), tip);
  }
  return tips;
}

/**
 * {@link readBranchTips} of a host-made repository (a mirror), read from its ref files without
 * starting git (git writes only commits to `refs/heads/`); git is asked only when the files do not
 * say for every branch (a branch absent, a ref store git keeps otherwise).
 */
export async function readHostBranchTips(
  git: GitCli,
  repoDir: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  const tips = new Map<string, string>();
  for (const branch of branches) {
    const tip = await readBranchRef(repoDir, branch);
    if (!tip) return readBranchTips(git, repoDir, branches);
    tips.set(branch, tip);
  }
  return tips;
}
