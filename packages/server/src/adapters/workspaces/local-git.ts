import { createGitCli, type GitCli } from '../../git/git-cli.ts';
import { createMirrors, type Mirrors, type RemoteResolver } from '../../git/mirrors.ts';
import { createHostProcesses, type HostProcesses } from '../../ops/host-processes.ts';
import type { Workspaces } from '../../ports/workspaces.ts';
import { createWorkspaces, type GitAuthor, type WorkspacesDeps } from './workspaces.ts';

/** The host's git for tasks: one runner, the mirrors, and the Workspaces port built on them. */
export interface LocalGit {
  git: GitCli;
  mirrors: Mirrors;
  workspaces: Workspaces;
}

/**
 * Builds the host's git plumbing around `remote` (the forge's `gitRemote`, which may be bound
 * after this call: it is only called when git needs the remote). Helpers run in `processes`.
 */
export function createLocalGit(opts: {
  cacheDir: string;
  remote: RemoteResolver;
  processes?: HostProcesses;
  author?: GitAuthor;
  /** Default time limit of one git call (10 minutes). */
  gitTimeoutMs?: number;
  /** The mirrors' freshness window (ABCA_MIRROR_FRESH_MS; default 2 s). */
  mirrorFreshMs?: number;
  /** Told when a push was refused for access (a remembered access check is then forgotten). */
  onPushRefused?: WorkspacesDeps['onPushRefused'];
  /** Told when the workspaces folder could not be marked to spread (a debug log line). */
  onSpreadSkipped?: WorkspacesDeps['onSpreadSkipped'];
}): LocalGit {
  const processes = opts.processes ?? createHostProcesses();
  const git = createGitCli({ processes, ...(opts.gitTimeoutMs ? { timeoutMs: opts.gitTimeoutMs } : {}) });
  const mirrors = createMirrors({
    git,
    cacheDir: opts.cacheDir,
    remote: opts.remote,
    ...(opts.mirrorFreshMs !== undefined ? { freshMs: opts.mirrorFreshMs } : {}),
  });
  const workspaces = createWorkspaces({
    git,
    processes,
    cacheDir: opts.cacheDir,
    mirrors,
    remote: opts.remote,
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.onPushRefused ? { onPushRefused: opts.onPushRefused } : {}),
    ...(opts.onSpreadSkipped ? { onSpreadSkipped: opts.onSpreadSkipped } : {}),
  });
  return { git, mirrors, workspaces };
}
