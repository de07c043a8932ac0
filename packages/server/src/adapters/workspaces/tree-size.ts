import type { GitCli } from '../../git/git-cli.ts';
import { recordScanner } from '../../git/record-scanner.ts';
import { ForgeError } from '../../ports/forge.ts';
import { WorkspaceError } from '../../ports/workspaces.ts';

/**
 * Refuses a commit whose tree would not fit a sandbox, before anything is checked out: more than
 * `maxFiles` entries, or files adding up to more than `maxBytes`. A tree that names the same
 * subtree over and over (a "tree bomb" a few kilobytes big that checks out to billions of files)
 * stops the listing at the first entry over the limit, so the check costs at most `maxFiles` lines.
 */
export async function checkTreeSize(
  git: GitCli,
  repoDir: string,
  commit: string,
  limits: { maxFiles: number; maxBytes: number },
  signal?: AbortSignal,
): Promise<void> {
  let files = 0;
  let bytes = 0;
  let over: string | undefined;
  const stop = new AbortController();
  const scan = recordScanner('\0', (entry) => {
    if (over) return;
    // `<mode> <type> <object> <size>\t<path>`; submodules have no size ("-").
    const size = Number(entry.split('\t', 1)[0]?.trim().split(/\s+/)[3]);
    files += 1;
    if (Number.isFinite(size)) bytes += size;
    if (files > limits.maxFiles) over = `more than ${limits.maxFiles} files`;
    else if (bytes > limits.maxBytes) over = `more than ${limits.maxBytes} bytes of files`;
    if (over) stop.abort();
  });
  const res = await git
    .tryRun(['ls-tree', '-r', '-l', '-z', '--full-tree', commit], {
      cwd: repoDir,
      onStdout: (c) => scan.push(c),
      signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
    })
    .catch((err) => {
      if (over) return undefined;
      throw err;
    });
  scan.end();
  if (over) {
    throw new WorkspaceError(
      'REPO_TOO_LARGE',
      `commit ${commit.slice(0, 12)} holds ${over}; a workspace holds at most ${limits.maxFiles} files and ${limits.maxBytes} bytes`,
    );
  }
  if (res && res.code !== 0) {
    throw new ForgeError(
      'INTERNAL_ERROR',
      `listing the tree of ${commit.slice(0, 12)} failed: ${res.stderr.trim()}`,
      true,
    );
  }
}
