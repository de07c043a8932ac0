import { branchSha, git } from './git.ts';
import type { RepoState, Thread } from './state.ts';

/** The lines of each file a pull request's diff shows, per side (the hunks, with their context). */
export type DiffLines = Map<string, { LEFT: Set<number>; RIGHT: Set<number> }>;

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Reads `git diff` output (three lines of context, as GitHub shows) into the lines on each side. */
export function parseDiffLines(diff: string): DiffLines {
  const files: DiffLines = new Map();
  let current: { LEFT: Set<number>; RIGHT: Set<number> } | undefined;
  let oldPath = '';
  for (const line of diff.split('\n')) {
    if (line.startsWith('--- ')) oldPath = line.slice(4).replace(/^a\//, '');
    else if (line.startsWith('+++ ')) {
      const path = line.slice(4) === '/dev/null' ? oldPath : line.slice(4).replace(/^b\//, '');
      current = { LEFT: new Set(), RIGHT: new Set() };
      files.set(path, current);
    } else {
      const hunk = HUNK.exec(line);
      if (!hunk || !current) continue;
      const [oldStart, oldCount, newStart, newCount] = [hunk[1], hunk[2] ?? '1', hunk[3], hunk[4] ?? '1'].map(
        Number,
      ) as [number, number, number, number];
      for (let n = oldStart; n < oldStart + oldCount; n += 1) current.LEFT.add(n);
      for (let n = newStart; n < newStart + newCount; n += 1) current.RIGHT.add(n);
    }
  }
  return files;
}

/** The lines a comment may be made on: the diff of the head against its merge base with the base. */
export async function pullDiffLines(repo: RepoState, thread: Thread): Promise<DiffLines> {
  const pull = thread.pull!;
  const head = (await branchSha(repo.path, pull.head)) ?? pull.lastHeadSha;
  const base = pull.mergedOnto ?? (await branchSha(repo.path, pull.base));
  if (!head || !base) return new Map();
  const out = await git(['--git-dir', repo.path, 'diff', '--no-color', '--no-ext-diff', `${base}...${head}`]);
  return out.code === 0 ? parseDiffLines(out.stdout) : new Map();
}
