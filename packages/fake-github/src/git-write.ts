import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchSha, git } from './git.ts';

/** The email GitHub gives a user's web commits; the fake maps it back to the login. */
export function noreplyEmail(userId: number, login: string): string {
  return `${userId}+${login}@users.noreply.github.com`;
}

/** The login of a `noreply` commit email; undefined for any other address. */
export function loginOfEmail(email: string): string | undefined {
  return /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(email)?.[1];
}

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await git(args, { env });
  if (result.code !== 0) throw new Error(`fake-github: git ${args[2] ?? ''} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function identity(name: string, email: string) {
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
}

/**
 * Commits one file on `branch` without a work tree (a person's commit through the web editor):
 * the file is written at `path` over the branch's tree. Returns the new commit.
 */
export async function commitFile(
  repoPath: string,
  branch: string,
  change: { path: string; content: string; message: string; name: string; email: string },
): Promise<string> {
  const parent = await branchSha(repoPath, branch);
  if (!parent) throw new Error(`fake-github: no branch ${branch}`);
  const scratch = await mkdtemp(join(tmpdir(), 'fake-github-commit-'));
  try {
    const blobFile = join(scratch, 'blob');
    await writeFile(blobFile, change.content);
    const env = { ...identity(change.name, change.email), GIT_INDEX_FILE: join(scratch, 'index') };
    const blob = await run(['--git-dir', repoPath, 'hash-object', '-w', blobFile]);
    await run(['--git-dir', repoPath, 'read-tree', parent], env);
    await run(
      ['--git-dir', repoPath, 'update-index', '--add', '--cacheinfo', `100644,${blob},${change.path}`],
      env,
    );
    const tree = await run(['--git-dir', repoPath, 'write-tree'], env);
    const commit = await run(
      ['--git-dir', repoPath, 'commit-tree', tree, '-p', parent, '-m', change.message],
      env,
    );
    await run(['--git-dir', repoPath, 'update-ref', `refs/heads/${branch}`, commit, parent]);
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export type MergeResult = { ok: true; sha: string } | { ok: false; reason: 'conflict' | 'moved' };

/**
 * Merges `head` into `base` on the server (a merge commit, or one squashed commit), as GitHub's
 * merge button does: nothing changes on a conflict, or when the base moved meanwhile.
 */
export async function mergeInto(
  repoPath: string,
  opts: {
    base: string;
    baseSha: string;
    headSha: string;
    method: 'merge' | 'squash';
    message: string;
    name: string;
    email: string;
  },
): Promise<MergeResult> {
  const merged = await git(['--git-dir', repoPath, 'merge-tree', '--write-tree', opts.baseSha, opts.headSha]);
  if (merged.code !== 0) return { ok: false, reason: 'conflict' };
  const tree = merged.stdout.split('\n')[0]?.trim() ?? '';
  const parents = opts.method === 'merge' ? ['-p', opts.baseSha, '-p', opts.headSha] : ['-p', opts.baseSha];
  const env = {
    ...identity(opts.name, opts.email),
    GIT_COMMITTER_NAME: 'GitHub',
    GIT_COMMITTER_EMAIL: 'noreply@github.com',
  };
  const commit = await run(['--git-dir', repoPath, 'commit-tree', tree, ...parents, '-m', opts.message], env);
  const moved = await git([
    '--git-dir',
    repoPath,
    'update-ref',
    `refs/heads/${opts.base}`,
    commit,
    opts.baseSha,
  ]);
  return moved.code === 0 ? { ok: true, sha: commit } : { ok: false, reason: 'moved' };
}

/** Commits in `head` and not in `base`, oldest first (at most 250, as GitHub lists a PR's commits). */
export async function commitsBetween(repoPath: string, base: string, head: string): Promise<string[]> {
  const out = await git(['--git-dir', repoPath, 'rev-list', '--reverse', `${base}..${head}`]);
  return out.code === 0 ? out.stdout.split('\n').filter(Boolean).slice(0, 250) : [];
}

/** Whether `sha` names a commit of the repository. */
export async function commitExists(repoPath: string, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{4,40}$/.test(sha)) return false;
  return (await git(['--git-dir', repoPath, 'cat-file', '-e', `${sha}^{commit}`])).code === 0;
}

/** A branch name or a commit sha as a commit; undefined when it names neither. */
export async function resolveRef(repoPath: string, ref: string): Promise<string | undefined> {
  const branch = await branchSha(repoPath, ref);
  if (branch) return branch;
  if (!(await commitExists(repoPath, ref))) return undefined;
  return (await git(['--git-dir', repoPath, 'rev-parse', `${ref}^{commit}`])).stdout.trim();
}
