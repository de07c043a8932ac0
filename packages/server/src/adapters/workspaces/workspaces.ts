import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isSandboxFileError } from '@abca/sandbox';
import type { GitCli } from '../../git/git-cli.ts';
import type { Mirrors, RemoteResolver } from '../../git/mirrors.ts';
import { readBranchRef } from '../../git/ref-file.ts';
import type { HostProcesses } from '../../ops/host-processes.ts';
import { removeTree } from '../../ops/remove-tree.ts';
import { createFolderSpreader, type SpreadLog } from '../../ops/spread-folder.ts';
import { ForgeError, type RepoRef } from '../../ports/forge.ts';
import { type WorkCapture, WorkspaceError, type Workspaces } from '../../ports/workspaces.ts';
import { checkBranchName } from './branch-name.ts';
import { createCaptureMemo } from './capture-memo.ts';
import { CAPTURE_FILE, captureInSandbox, checkoutInSandbox } from './in-sandbox.ts';
import { createKeptScratches } from './kept-scratch.ts';
import { replayOnto } from './replay.ts';
import { withScratchRepo } from './scratch.ts';
import { checkTreeSize } from './tree-size.ts';
import { checkCapture, fetchCapture } from './verify-capture.ts';

/** The identity commits made in a workspace carry. */
export interface GitAuthor {
  name: string;
  email: string;
}

export interface WorkspacesDeps {
  git: GitCli;
  processes: HostProcesses;
  /** Host folder for mirrors and scratch repositories. */
  cacheDir: string;
  mirrors: Mirrors;
  /** Where each repo's remote is (the forge says). */
  remote: RemoteResolver;
  author?: GitAuthor;
  /**
   * Told when the remote refused a push for access (`INSUFFICIENT_PERMISSIONS`,
   * `REPO_NOT_FOUND_OR_NO_ACCESS`): a remembered access check of the repo is no longer to be trusted.
   */
  onPushRefused?: (repo: RepoRef) => void;
  /** Told (at debug level) when the workspaces folder could not be marked to spread (see spreadFolder). */
  onSpreadSkipped?: SpreadLog;
}

/** Push failures that say the credential may no longer reach or write the remote. */
const ACCESS_CODES: readonly string[] = ['INSUFFICIENT_PERMISSIONS', 'REPO_NOT_FOUND_OR_NO_ACCESS'];

/** Where a capture's branch is kept in a host repository while it is checked. */
const WORK_REF = 'refs/abca/work';
/** Where the branch's newer head is fetched to when the work is rebased onto it. */
const ONTO_REF = 'refs/abca/onto';

/**
 * The one {@link Workspaces}: mirrors on the host, workspace folders made fresh from them, the
 * work taken out of the sandbox as a bundle and checked in scratch repositories, pushes from there.
 */
export function createWorkspaces(deps: WorkspacesDeps): Workspaces {
  const { git, mirrors, cacheDir } = deps;
  const author = deps.author ?? { name: 'ABCA', email: 'abca@localhost' };
  // The folder holding the workspaces is marked at the first prepare (see createFolderSpreader).
  const spread = createFolderSpreader(deps.processes, deps.onSpreadSkipped);
  // A capture is taken again only when something may have run in the sandbox since the last.
  const memo = createCaptureMemo();
  // The scratch repository a capture was checked in, kept for that capture's push.
  const scratches = createKeptScratches();
  const configFor = async (repo: Parameters<Workspaces['prepare']>[0]) =>
    workspaceGitConfig((await deps.remote(repo)).publicUrl, author);

  /**
   * A scratch repository holding `bundle` checked ({@link checkCapture}) under {@link WORK_REF}; with
   * `list`, the task's commits and changed paths are listed in the same run.
   */
  async function inScratch<T>(
    repo: Parameters<Workspaces['push']>[0],
    bundle: Buffer,
    checks: {
      branch: string;
      baseCommit: string;
      maxFileBytes: number;
      verified?: boolean;
      list?: boolean;
      signal?: AbortSignal;
    },
    use: (scratch: string, checked: Awaited<ReturnType<typeof checkCapture>>) => Promise<T>,
    /** The scratch repository stays (the caller removes it) once `use` succeeded. */
    keep = false,
  ): Promise<T> {
    const mirror = await mirrors.ensure(repo, checks.signal ? { signal: checks.signal } : {});
    const opts = { cacheDir, mirror, prefix: 'work', init: false, keep };
    return withScratchRepo(git, opts, async (scratch, borrow) =>
      use(
        scratch,
        await checkCapture(git, scratch, bundle, {
          ...checks,
          list: checks.list ?? false,
          borrow,
          ref: WORK_REF,
        }),
      ),
    );
  }

  /**
   * The capture itself (see {@link Workspaces.capture}), with the number of sandbox operations it
   * ran: the capture command, and a read of the bundle when it did not come back in the output.
   */
  async function takeCapture(
    repo: Parameters<Workspaces['capture']>[0],
    sandbox: Parameters<Workspaces['capture']>[1],
    { branch, baseCommit, message, limits, previous, signal }: Parameters<Workspaces['capture']>[2],
  ): Promise<{ capture: WorkCapture; operations: number }> {
    const reported = await captureInSandbox(sandbox, {
      gitConfig: await configFor(repo),
      branch,
      baseCommit,
      message,
      maxFileBytes: limits.maxFileBytes,
      maxFiles: limits.maxFiles,
      maxCaptureBytes: limits.maxCaptureBytes,
      ...(signal ? { signal } : {}),
    });
    if (!reported.bundled) return { capture: { head: baseCommit, bundle: null, commits: [] }, operations: 1 };
    // Nothing new since a capture verified earlier: the same commit is the same work. (A sandbox
    // lying about it gets the earlier, verified work pushed, never anything unchecked.)
    if (previous && previous.head === reported.head && !reported.committed)
      return { capture: previous, operations: 1 };
    let bundle: Buffer;
    try {
      if (reported.inline && reported.inline.length > limits.maxCaptureBytes) {
        throw new WorkspaceError(
          'WORK_TOO_LARGE',
          `the task's commits are ${reported.inline.length} bytes as a git bundle, over the ${limits.maxCaptureBytes}-byte limit (ABCA_CHECKPOINT_MAX_BYTES)`,
        );
      }
      bundle =
        reported.inline ?? (await sandbox.readFile(CAPTURE_FILE, { maxBytes: limits.maxCaptureBytes }));
    } catch (err) {
      if (isSandboxFileError(err) && err.code === 'too_large') {
        throw new WorkspaceError(
          'WORK_TOO_LARGE',
          `the task's commits are ${err.size ?? 'more than'} bytes as a git bundle, over the ${limits.maxCaptureBytes}-byte limit (ABCA_CHECKPOINT_MAX_BYTES)`,
        );
      }
      if (isSandboxFileError(err) && err.code !== 'failed' && err.code !== 'timeout')
        throw new WorkspaceError(
          'WORKSPACE_CORRUPT',
          `the bundle of the work could not be read: ${err.message}`,
        );
      throw err;
    }
    const checks = {
      branch,
      baseCommit,
      maxFileBytes: limits.maxFileBytes,
      list: true,
      ...(signal ? { signal } : {}),
    };
    let dir = '';
    const capture = await inScratch(
      repo,
      bundle,
      checks,
      async (scratch, { head, commits, paths }) => {
        dir = scratch;
        return { head, bundle, commits, paths } satisfies WorkCapture;
      },
      true,
    );
    await scratches.keep(capture, { dir, branch, baseCommit });
    return { capture, operations: reported.inline ? 1 : 2 };
  }

  return {
    async syncMirror(repo, opts = {}) {
      const { defaultBranchHead } = await mirrors.sync(repo, opts);
      return { defaultBranchHead };
    },
    readFiles: (repo, paths, opts) => mirrors.readFiles(repo, paths, opts),
    remoteHead: (repo, branch, opts) => mirrors.remoteHead(repo, branch, opts),

    async prepare(repo, { dir, branch, limits, from, startBranch, signal }) {
      checkBranchName(branch);
      if (startBranch !== undefined) checkBranchName(startBranch);
      const sig = signal ? { signal } : {};
      const gitConfig = await configFor(repo);
      // A pull request's branch is fetched when the mirror lacks it (hydration fetched it, at the
      // head the forge reported, on the machine that hydrated).
      const mirror = await mirrors.ensure(repo, {
        ...sig,
        ...(startBranch !== undefined ? { branches: [startBranch] } : {}),
      });
      const parent = dirname(dir);
      await mkdir(parent, { recursive: true });
      await spread(parent);
      await removeLeftovers(deps.processes, parent, `${basename(dir)}.new-`);
      const tmp = await mkdtemp(join(parent, `${basename(dir)}.new-`));
      const sizeLimits = { maxFiles: limits.maxFiles, maxBytes: limits.maxCheckoutBytes };
      // The tree of the branch the clone is to hold is sized in the mirror while the clone copies
      // (a tree over the limits stops the clone); sized again in the clone if the branch moved.
      const mirrorHead = () =>
        readBranchRef(mirror, startBranch ?? repo.defaultBranch).catch(() => undefined);
      const early = from ? undefined : await mirrorHead();
      const stopClone = new AbortController();
      const stopSizing = new AbortController();
      const sizingSignal = signal ? AbortSignal.any([signal, stopSizing.signal]) : stopSizing.signal;
      const sizing = early
        ? checkTreeSize(git, mirror, early, sizeLimits, sizingSignal).catch(async (err: unknown) => {
            // Refused: the clone is stopped, unless the branch moved on (its new tree is sized then).
            if ((await mirrorHead()) === early) stopClone.abort();
            throw err;
          })
        : undefined;
      sizing?.catch(() => {});
      try {
        // Never waits for a refresh or for the mirror's upkeep (see createMirrors).
        try {
          await mirrors.cloneTo(repo, tmp, {
            signal: signal ? AbortSignal.any([signal, stopClone.signal]) : stopClone.signal,
          });
        } catch (err) {
          await sizing;
          throw err;
        }
        const wanted = from?.baseCommit ?? `refs/remotes/origin/${startBranch ?? repo.defaultBranch}`;
        // The clone is host-made: its branch is read from its files (git only when they do not say,
        // and always for a base commit, which must be checked to be in the clone).
        const read = from
          ? undefined
          : await readBranchRef(join(tmp, '.git'), startBranch ?? repo.defaultBranch, 'refs/remotes/origin/');
        const res = read
          ? { code: 0, stdout: read }
          : await git.tryRun(['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`], { cwd: tmp });
        if (res.code !== 0 && !from && startBranch !== undefined) {
          throw new ForgeError(
            'PR_BRANCH_GONE',
            `the branch '${startBranch}' of ${repo.repo} is not on the remote (deleted?)`,
            false,
          );
        }
        if (res.code !== 0) {
          throw new ForgeError(
            'REPO_NOT_FOUND_OR_NO_ACCESS',
            `${from ? `the base commit ${wanted.slice(0, 12)}` : `the default branch '${repo.defaultBranch}'`} of ${repo.repo} is not in its mirror`,
            false,
          );
        }
        const baseCommit = res.stdout.trim();
        // The clone's reflog names the mirror's path; the sandbox has no use for it.
        await rm(join(tmp, '.git', 'logs'), { recursive: true, force: true });
        await writeFile(join(tmp, '.git', 'config'), gitConfig);
        let head = baseCommit;
        if (from?.bundle) {
          head = await fetchCapture(git, join(tmp, '.git'), from.bundle, {
            branch,
            baseCommit,
            ref: `refs/heads/${branch}`,
            maxFileBytes: limits.maxFileBytes,
            ...sig,
          });
          await rm(join(tmp, '.git', 'capture.bundle'), { force: true });
        } else {
          // A fresh repository the host made: its refs are plain files (no process needed).
          const ref = join(tmp, '.git', 'refs', 'heads', ...branch.split('/'));
          await mkdir(dirname(ref), { recursive: true });
          await writeFile(ref, `${baseCommit}\n`);
        }
        await writeFile(join(tmp, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
        if (sizing && early === head) await sizing;
        else await checkTreeSize(git, tmp, head, sizeLimits, signal);
        // Whatever a sandbox left at `dir` is removed, never reused: the new folder takes its place.
        await removeTree(deps.processes, dir);
        await rename(tmp, dir);
        return { baseCommit, head };
      } finally {
        // Nothing of the prepare outlives it (a failure above leaves the sizing to stop here).
        stopSizing.abort();
        await sizing?.catch(() => {});
        await rm(tmp, { recursive: true, force: true }).catch(() => {});
      }
    },

    async checkout(repo, sandbox, { signal } = {}) {
      await checkoutInSandbox(sandbox, await configFor(repo), signal);
    },

    async capture(repo, sandbox, opts) {
      const { branch, baseCommit, limits } = opts;
      checkBranchName(branch);
      const question = {
        branch,
        baseCommit,
        maxFileBytes: limits.maxFileBytes,
        maxFiles: limits.maxFiles,
        maxCaptureBytes: limits.maxCaptureBytes,
      };
      return memo.capture(sandbox, question, () => takeCapture(repo, sandbox, opts));
    },

    async push(repo, { branch, baseCommit, capture, onto, beforePush, signal }) {
      checkBranchName(branch);
      if (!capture.bundle) throw new ForgeError('INTERNAL_ERROR', 'there is no work to push', false);
      const sig = signal ? { signal } : {};
      const pushFrom = async (scratch: string, head: string) => {
        const remote = await deps.remote(repo);
        const credential = remote.credential ? { credential: remote.credential } : {};
        let target = head;
        if (onto !== undefined) {
          await git.run(['fetch', '--quiet', '--no-tags', remote.url, `+refs/heads/${branch}:${ONTO_REF}`], {
            cwd: scratch,
            op: 'fetch',
            ...credential,
            ...sig,
          });
          const now = (
            await git.run(['rev-parse', '--verify', `${ONTO_REF}^{commit}`], { cwd: scratch })
          ).trim();
          if (now !== onto)
            throw new ForgeError(
              'PUSH_CONFLICT',
              `'${branch}' moved again while the work was being rebased (now at ${now.slice(0, 12)}); nothing was pushed.`,
              false,
            );
          target = await replayOnto(git, scratch, { base: baseCommit, head, onto, branch, ...sig });
          await beforePush?.(target);
        }
        try {
          await git.run(['push', '--quiet', '--no-verify', remote.url, `${target}:refs/heads/${branch}`], {
            cwd: scratch,
            op: 'push',
            ...credential,
            ...sig,
          });
        } catch (err) {
          if (err instanceof ForgeError && ACCESS_CODES.includes(err.code)) deps.onPushRefused?.(repo);
          throw err;
        }
        return { commit: target };
      };
      // The repository this capture was checked in, when this process kept it: the push goes from there.
      const kept = await scratches.take(capture, branch, baseCommit, WORK_REF);
      if (kept) {
        try {
          return await pushFrom(kept, capture.head);
        } finally {
          await rm(kept, { recursive: true, force: true });
        }
      }
      // Checked at capture: here only what a push needs (the branch, objects that pass fsck).
      const checks = { branch, baseCommit, maxFileBytes: Number.MAX_SAFE_INTEGER, verified: true, ...sig };
      return inScratch(repo, capture.bundle, checks, async (scratch, { head }) => {
        if (head !== capture.head)
          throw new ForgeError('INTERNAL_ERROR', 'the capture changed since it was verified', false);
        return pushFrom(scratch, head);
      });
    },
  };
}

/**
 * The workspace's `.git/config`, written by the host at prepare and restored before every git
 * call in the sandbox: an `origin` people know (no credential, no host path), ABCA's identity, and
 * no automatic upkeep. A workspace lives for one task; git's upkeep after a commit or a fetch
 * (`git maintenance run --auto`, a process of its own each time) would only cost the task time.
 */
export function workspaceGitConfig(publicUrl: string, author: GitAuthor): string {
  const quote = (v: string) =>
    `"${v
      .replace(/[\r\n]/g, ' ')
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')}"`;
  return [
    '[core]',
    '\trepositoryformatversion = 0',
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
    '[remote "origin"]',
    `\turl = ${quote(publicUrl)}`,
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    '[user]',
    `\tname = ${quote(author.name)}`,
    `\temail = ${quote(author.email)}`,
    '[maintenance]',
    '\tauto = false',
    '[gc]',
    '\tauto = 0',
    '',
  ].join('\n');
}

/** Half-made folders of a crashed prepare (`<name>.new-*` beside the workspace). */
async function removeLeftovers(processes: HostProcesses, parent: string, prefix: string): Promise<void> {
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (entry.startsWith(prefix)) await removeTree(processes, join(parent, entry));
  }
}
