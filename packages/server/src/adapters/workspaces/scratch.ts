import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitCli } from '../../git/git-cli.ts';

/**
 * A throwaway bare repository on the host that borrows a mirror's objects (alternates): where a
 * bundle taken out of a sandbox is fetched, checked and pushed from. Host-made, so host git may
 * work in it; removed when `use` returns. Leftovers of a crashed worker older than an hour go.
 * With `init: false` the folder is handed over empty, for a caller that makes the repository
 * itself in a process it starts anyway; `use` gets the objects folder it is to borrow. With `keep`,
 * the folder is left for the caller once `use` succeeded, and the caller removes it.
 */
export async function withScratchRepo<T>(
  git: GitCli,
  opts: { cacheDir: string; mirror: string; prefix: string; init?: boolean; keep?: boolean },
  use: (dir: string, borrow: string) => Promise<T>,
): Promise<T> {
  const root = join(opts.cacheDir, 'scratch');
  await mkdir(root, { recursive: true });
  await sweep(root);
  const dir = await mkdtemp(join(root, `${opts.prefix}-`));
  let kept = false;
  try {
    const borrow = join(opts.mirror, 'objects');
    if (opts.init !== false) {
      await git.run(['init', '--quiet', '--bare', dir]);
      await writeFile(join(dir, 'objects', 'info', 'alternates'), `${borrow}\n`);
    }
    const result = await use(dir, borrow);
    kept = opts.keep === true;
    return result;
  } finally {
    if (!kept) await rm(dir, { recursive: true, force: true });
  }
}

async function sweep(root: string): Promise<void> {
  const cutoff = Date.now() - 60 * 60_000;
  for (const entry of await readdir(root).catch(() => [])) {
    const p = join(root, entry);
    const st = await lstat(p).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(p, { recursive: true, force: true });
  }
}
