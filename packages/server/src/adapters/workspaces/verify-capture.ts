import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitCli } from '../../git/git-cli.ts';
import { recordScanner } from '../../git/record-scanner.ts';
import { ForgeError } from '../../ports/forge.ts';
import { type WorkCommit, WorkspaceError } from '../../ports/workspaces.ts';

const MAX_COMMITS_LISTED = 1000;
const SUBJECT_CHARS = 200;
const MAX_PATHS_LISTED = 200;

/**
 * Fetches a capture's bundle into a host repository (`repoDir`, host-made, holding or borrowing
 * the base commit) under `ref`, and checks it: it names exactly the task branch and its objects
 * pass `fsck`; unless `verified` (a capture checked moments ago, fetched again to push it), its
 * head descends from `baseCommit` and no file in the task's commits is larger than `maxFileBytes`.
 * Returns the head. Anything off is `WORKSPACE_CORRUPT` or `WORK_TOO_LARGE`; the bundle is data to
 * git here (no config, hooks or filters come with it).
 */
export async function fetchCapture(
  git: GitCli,
  repoDir: string,
  bundle: Buffer,
  opts: {
    branch: string;
    baseCommit: string;
    ref: string;
    maxFileBytes: number;
    verified?: boolean;
    signal?: AbortSignal;
  },
): Promise<string> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const file = join(repoDir, 'capture.bundle');
  await writeFile(file, bundle);
  const heads = await git.tryRun(['bundle', 'list-heads', file], {
    cwd: repoDir,
    maxOutputBytes: 64 * 1024,
    ...signal,
  });
  const listed = heads.stdout.trim().split('\n').filter(Boolean);
  const expected = `refs/heads/${opts.branch}`;
  const [head = '', name] = listed[0]?.split(' ') ?? [];
  if (
    heads.code !== 0 ||
    listed.length !== 1 ||
    name !== expected ||
    !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(head)
  ) {
    throw new WorkspaceError(
      'WORKSPACE_CORRUPT',
      `the work taken out of the sandbox is not a bundle of ${expected} alone`,
    );
  }
  const fetched = await git.tryRun(
    [
      '-c',
      'fetch.fsckObjects=true',
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      file,
      `+${expected}:${opts.ref}`,
    ],
    { cwd: repoDir, op: 'local', ...signal },
  );
  if (fetched.code !== 0) {
    throw new WorkspaceError(
      'WORKSPACE_CORRUPT',
      `the work taken out of the sandbox failed its checks: ${lastLines(fetched.stderr, repoDir)}`,
    );
  }
  if (opts.verified) return head;
  const ancestor = await git.tryRun(['merge-base', '--is-ancestor', opts.baseCommit, head], {
    cwd: repoDir,
    ...signal,
  });
  if (ancestor.code !== 0) {
    throw new WorkspaceError(
      'WORKSPACE_CORRUPT',
      `the task branch no longer descends from its base commit ${opts.baseCommit.slice(0, 12)}`,
    );
  }
  await refuseLargeFiles(git, repoDir, opts.baseCommit, head, opts.maxFileBytes, opts.signal);
  return head;
}

/** Fails when any file the task's commits add is over `max` bytes (scanned in constant memory). */
async function refuseLargeFiles(
  git: GitCli,
  repoDir: string,
  base: string,
  head: string,
  max: number,
  signal?: AbortSignal,
): Promise<void> {
  const omitted: string[] = [];
  const scan = recordScanner('\n', (line) => {
    if (line.startsWith('~') && omitted.length < 5) omitted.push(line.slice(1));
  });
  const res = await git.tryRun(
    [
      'rev-list',
      '--objects',
      '--no-object-names',
      `--filter=blob:limit=${max + 1}`,
      '--filter-print-omitted',
      head,
      `^${base}`,
    ],
    { cwd: repoDir, onStdout: (c) => scan.push(c), ...(signal ? { signal } : {}) },
  );
  scan.end();
  if (res.code !== 0)
    throw new ForgeError('INTERNAL_ERROR', `git rev-list failed: ${lastLines(res.stderr, repoDir)}`, true);
  if (omitted.length === 0) return;
  const sizes = await git.run(['cat-file', '--batch-check=%(objectsize)'], {
    cwd: repoDir,
    stdin: `${omitted.join('\n')}\n`,
    maxOutputBytes: 4096,
  });
  const biggest = Math.max(...sizes.split('\n').filter(Boolean).map(Number));
  throw new WorkspaceError(
    'WORK_TOO_LARGE',
    `the task's commits add a file of ${biggest} bytes; files over ${max} bytes are not taken out of the sandbox`,
  );
}

/** The task's commits since the base, oldest first (the newest {@link MAX_COMMITS_LISTED}). */
export async function listCommits(
  git: GitCli,
  repoDir: string,
  base: string,
  head: string,
): Promise<WorkCommit[]> {
  if (base === head) return [];
  const commits: WorkCommit[] = [];
  const scan = recordScanner('\x1e', (record) => {
    const [sha = '', subject = ''] = record.replace(/^\n/, '').split('\x1f');
    if (/^[0-9a-f]{40,64}$/.test(sha)) commits.push({ sha, subject: subject.slice(0, SUBJECT_CHARS) });
  });
  await git.run(
    ['log', '--reverse', `--max-count=${MAX_COMMITS_LISTED}`, '--format=%H%x1f%s%x1e', head, `^${base}`],
    { cwd: repoDir, onStdout: (c) => scan.push(c) },
  );
  scan.end();
  return commits;
}

/** Files the task's commits change (added, modified, deleted), at most {@link MAX_PATHS_LISTED}. */
export async function listChangedPaths(
  git: GitCli,
  repoDir: string,
  base: string,
  head: string,
): Promise<string[]> {
  if (base === head) return [];
  // Informational (a task's episode): a commit of a million files is cut, never an error.
  const res = await git.tryRun(['diff', '--name-only', '-z', '--no-renames', base, head], {
    cwd: repoDir,
    maxOutputBytes: 256 * 1024,
    truncate: true,
  });
  if (res.code !== 0) return [];
  const paths = res.stdout.split('\0');
  // The last one may be cut half-way.
  if (res.truncated) paths.pop();
  return paths.filter((p) => p.length > 0 && p.length <= 1000).slice(0, MAX_PATHS_LISTED);
}

/** The end of git's complaint, without the host path of the scratch repository it names. */
function lastLines(text: string, repoDir: string): string {
  return text.split(repoDir).join('<scratch>').trim().split('\n').slice(-3).join(' ').slice(-500);
}
