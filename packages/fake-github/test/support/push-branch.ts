import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FakeGitHub } from '../../src/index.ts';
import { gitOk, tempDir } from './git-client.ts';

/** Clones over smart HTTP, commits `files` on a new `branch` and pushes it, as an agent would. */
export async function pushBranch(
  gh: FakeGitHub,
  options: { owner: string; name: string; token: string; branch: string; files: Record<string, string> },
): Promise<void> {
  const dir = await tempDir('fake-github-client-');
  try {
    await gitOk(['clone', '--quiet', gh.gitUrl(options.owner, options.name), dir], { token: options.token });
    await gitOk(['checkout', '--quiet', '-b', options.branch], { cwd: dir });
    for (const [path, content] of Object.entries(options.files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await gitOk(['add', '--all'], { cwd: dir });
    await gitOk(['commit', '--quiet', '-m', `Change on ${options.branch}`], { cwd: dir });
    await gitOk(['push', '--quiet', 'origin', options.branch], { cwd: dir, token: options.token });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
