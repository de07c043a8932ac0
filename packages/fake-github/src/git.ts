import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fixed identity so seeded commits are reproducible and never read the host's git config. */
const IDENTITY = {
  GIT_AUTHOR_NAME: 'fake-github',
  GIT_AUTHOR_EMAIL: 'fake-github@example.invalid',
  GIT_COMMITTER_NAME: 'fake-github',
  GIT_COMMITTER_EMAIL: 'fake-github@example.invalid',
};

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git with the host's global and system config ignored; never throws for a non-zero exit. */
export function git(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

async function gitOk(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const result = await git(args, options);
  if (result.code !== 0)
    throw new Error(`fake-github: git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Creates a bare repository whose default branch holds one commit: the files of `seedDir`, or a
 * README when there is none. The seed folder is read through a temporary index, never modified.
 */
export async function createBareRepo(
  path: string,
  options: { defaultBranch: string; seedDir?: string; name: string },
) {
  await mkdir(path, { recursive: true });
  await gitOk(['init', '--quiet', '--bare', `--initial-branch=${options.defaultBranch}`, path]);
  const scratch = await mkdtemp(join(tmpdir(), 'fake-github-seed-'));
  try {
    let workTree = options.seedDir;
    if (!workTree) {
      workTree = join(scratch, 'tree');
      await mkdir(workTree);
      await writeFile(join(workTree, 'README.md'), `# ${options.name}\n`);
    }
    const env = { ...IDENTITY, GIT_INDEX_FILE: join(scratch, 'index') };
    await gitOk(['--git-dir', path, '--work-tree', workTree, 'add', '--all', '--force', '.'], { env });
    const tree = (await gitOk(['--git-dir', path, 'write-tree'], { env })).trim();
    const commit = (
      await gitOk(['--git-dir', path, 'commit-tree', tree, '-m', 'Initial commit'], { env })
    ).trim();
    await gitOk(['--git-dir', path, 'update-ref', `refs/heads/${options.defaultBranch}`, commit]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The commit a branch points at, or undefined when the branch does not exist. */
export async function branchSha(repoPath: string, branch: string): Promise<string | undefined> {
  const result = await git([
    '--git-dir',
    repoPath,
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/heads/${branch}^{commit}`,
  ]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: string[];
  readonly author: { name: string; email: string; date: string };
  readonly committer: { name: string; email: string; date: string };
  readonly message: string;
}

export async function commitInfo(repoPath: string, sha: string): Promise<CommitInfo> {
  const format = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x00');
  const out = await gitOk(['--git-dir', repoPath, 'show', '--no-patch', `--format=${format}`, sha]);
  const [
    hash = '',
    tree = '',
    parents = '',
    an = '',
    ae = '',
    ad = '',
    cn = '',
    ce = '',
    cd = '',
    ...message
  ] = out.split('\0');
  return {
    sha: hash,
    tree,
    parents: parents.split(' ').filter(Boolean),
    author: { name: an, email: ae, date: new Date(ad).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    committer: { name: cn, email: ce, date: new Date(cd).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    message: message.join('\0').trimEnd(),
  };
}

export interface DiffStats {
  readonly commits: number;
  readonly additions: number;
  readonly deletions: number;
  readonly changedFiles: number;
}

/** Counts for a PR, comparing head with its merge base with base, as GitHub does. */
export async function diffStats(repoPath: string, base: string, head: string): Promise<DiffStats> {
  const [numstat, count] = await Promise.all([
    git(['--git-dir', repoPath, 'diff', '--numstat', `${base}...${head}`]),
    git(['--git-dir', repoPath, 'rev-list', '--count', `${base}..${head}`]),
  ]);
  let additions = 0;
  let deletions = 0;
  let changedFiles = 0;
  if (numstat.code === 0) {
    for (const line of numstat.stdout.split('\n').filter(Boolean)) {
      const [added = '0', deleted = '0'] = line.split('\t');
      additions += Number(added) || 0;
      deletions += Number(deleted) || 0;
      changedFiles += 1;
    }
  }
  return { commits: count.code === 0 ? Number(count.stdout.trim()) : 0, additions, deletions, changedFiles };
}

/** The PR diff (`base...head`), or the mailbox-style patch series for `format: 'patch'`. */
export async function pullDiff(
  repoPath: string,
  base: string,
  head: string,
  format: 'diff' | 'patch',
): Promise<string> {
  const args =
    format === 'diff'
      ? ['--git-dir', repoPath, 'diff', '--no-color', '--no-ext-diff', `${base}...${head}`]
      : ['--git-dir', repoPath, 'format-patch', '--stdout', '--no-color', `${base}..${head}`];
  return gitOk(args);
}
