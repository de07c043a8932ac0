import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitCli } from '../../git/git-cli.ts';
import { ForgeError } from '../../ports/forge.ts';
import { type WorkCommit, WorkspaceError } from '../../ports/workspaces.ts';
import { CAPTURE_SCRIPT_CAPS, runCaptureScript } from './capture-script.ts';

const SUBJECT_CHARS = 200;
const MAX_PATHS_LISTED = 200;

/**
 * Fetches a capture's bundle into a host repository (`repoDir`, host-made, holding or borrowing
 * the base commit) under `ref`, and checks it: it names exactly the task branch and its objects
 * pass `fsck`; unless `verified` (a capture checked moments ago, fetched again to push it), its
 * head descends from `baseCommit` and no file in the task's commits is larger than `maxFileBytes`.
 * With `borrow` (a mirror's objects folder), `repoDir` is an empty folder made into a bare
 * repository borrowing them first; with `list`, the task's commits and changed paths come back too.
 * Returns the head. Anything off is `WORKSPACE_CORRUPT` or `WORK_TOO_LARGE`; the bundle is data to
 * git here (no config, hooks or filters come with it). Every git call of it runs in one fixed
 * script ({@link runCaptureScript}): one process start for the platform instead of up to eight.
 */
/** What a capture is checked against: the branch, its base, where it is fetched to, the limits. */
export interface CaptureCheckOptions {
  branch: string;
  baseCommit: string;
  ref: string;
  maxFileBytes: number;
  verified?: boolean;
  borrow?: string;
  signal?: AbortSignal;
}

export async function fetchCapture(
  git: GitCli,
  repoDir: string,
  bundle: Buffer,
  opts: CaptureCheckOptions,
): Promise<string> {
  return (await checkCapture(git, repoDir, bundle, { ...opts, list: false })).head;
}

/** {@link fetchCapture}, and with `list` the task's commits and the paths they change. */
export async function checkCapture(
  git: GitCli,
  repoDir: string,
  bundle: Buffer,
  opts: CaptureCheckOptions & { list: boolean },
): Promise<{ head: string; commits: WorkCommit[]; paths: string[] }> {
  const expected = `refs/heads/${opts.branch}`;
  // (A repository the script is to make is an empty folder yet: `git init` takes it as it is.)
  const bundleFile = join(repoDir, 'capture.bundle');
  await writeFile(bundleFile, bundle);
  return runCaptureScript(
    git,
    {
      repoDir,
      ...(opts.borrow ? { borrow: opts.borrow } : {}),
      bundleFile,
      branchRef: expected,
      ref: opts.ref,
      baseCommit: opts.baseCommit,
      mode: opts.verified ? 'verified' : opts.list ? 'list' : 'check',
      maxFileBytes: opts.maxFileBytes,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    async (run) => {
      const step = (name: string) => run.steps.get(name);
      if (step('init') !== undefined && step('init') !== '0')
        throw new ForgeError(
          'INTERNAL_ERROR',
          `git init failed: ${(await run.read('init.err')).toString().trim()}`,
          true,
        );
      if (step('alternates') !== undefined)
        throw new ForgeError('INTERNAL_ERROR', 'the scratch repository could not borrow the mirror', true);
      const rawHeads = await run.read('heads');
      const listed = rawHeads.toString('utf8');
      const lines = listed.trim().split('\n').filter(Boolean);
      const [head = '', name] = lines[0]?.split(' ') ?? [];
      if (
        step('heads') !== '0' ||
        rawHeads.length > CAPTURE_SCRIPT_CAPS.heads ||
        lines.length !== 1 ||
        name !== expected ||
        !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(head)
      ) {
        throw new WorkspaceError(
          'WORKSPACE_CORRUPT',
          `the work taken out of the sandbox is not a bundle of ${expected} alone`,
        );
      }
      if (step('fetch') !== '0') {
        throw new WorkspaceError(
          'WORKSPACE_CORRUPT',
          `the work taken out of the sandbox failed its checks: ${lastLines((await run.read('fetch.err')).toString('utf8'), repoDir)}`,
        );
      }
      // What was fetched is what the bundle named (the script checks from the fetched ref).
      if (step('tip') !== head)
        throw new WorkspaceError('WORKSPACE_CORRUPT', `the work fetched is not the bundle's ${expected}`);
      if (opts.verified) return { head, commits: [], paths: [] };
      if (step('ancestor') !== '0') {
        throw new WorkspaceError(
          'WORKSPACE_CORRUPT',
          `the task branch no longer descends from its base commit ${opts.baseCommit.slice(0, 12)}`,
        );
      }
      const omitted = (await run.read('omitted')).toString('utf8').split('\n').filter(Boolean);
      if (omitted.length > 0) {
        const sizes = (await run.read('sizes')).toString('utf8').split('\n').filter(Boolean).map(Number);
        throw new WorkspaceError(
          'WORK_TOO_LARGE',
          `the task's commits add a file of ${Math.max(...sizes)} bytes; files over ${opts.maxFileBytes} bytes are not taken out of the sandbox`,
        );
      }
      if (step('revlist') !== '0') throw new ForgeError('INTERNAL_ERROR', 'git rev-list failed', true);
      if (!opts.list || head === opts.baseCommit) return { head, commits: [], paths: [] };
      if (step('log') !== '0') throw new ForgeError('INTERNAL_ERROR', 'git log failed', false);
      const commits: WorkCommit[] = [];
      for (const line of (await run.read('log')).toString('utf8').split('\n')) {
        const [sha = '', subject = ''] = line.split('\x1f');
        if (/^[0-9a-f]{40,64}$/.test(sha))
          commits.push({ sha, subject: subject.trimEnd().slice(0, SUBJECT_CHARS) });
      }
      // Informational (a task's episode): a commit of a million files is cut, never an error.
      const rawPaths =
        step('paths') === '0' || step('paths') === '141' ? await run.read('paths') : Buffer.alloc(0);
      const paths = rawPaths.toString('utf8').split('\0');
      // The last one may be cut half-way.
      if (rawPaths.length >= CAPTURE_SCRIPT_CAPS.paths) paths.pop();
      return {
        head,
        commits,
        paths: paths.filter((p) => p.length > 0 && p.length <= 1000).slice(0, MAX_PATHS_LISTED),
      };
    },
  );
}

/** The end of git's complaint, without the host path of the scratch repository it names. */
function lastLines(text: string, repoDir: string): string {
  return text.split(repoDir).join('<scratch>').trim().split('\n').slice(-3).join(' ').slice(-500);
}
