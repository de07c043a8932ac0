/**
 * Which lines of a unified diff a review comment may name: the new-side lines of each hunk (added
 * and context lines), by file — what GitHub accepts for a review comment on the `RIGHT` side, and
 * what ABCA accepts for a plain-git one. Deleted files have none.
 */
export type DiffLines = Map<string, Set<number>>;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** Parses `git diff` output (as `git diff` or GitHub's `.diff` prints it). Never throws. */
export function diffLines(diff: string): DiffLines {
  const files: DiffLines = new Map();
  let current: Set<number> | undefined;
  let line = 0;
  let left = 0;
  for (const raw of diff.split('\n')) {
    if (raw.startsWith('diff --git ')) {
      current = undefined;
      left = 0;
      continue;
    }
    if (left === 0 && raw.startsWith('+++ ')) {
      const path = raw.slice(4).trim();
      if (path === '/dev/null') {
        current = undefined;
      } else {
        const name = path.startsWith('b/') ? path.slice(2) : path;
        current = files.get(name) ?? new Set<number>();
        files.set(name, current);
      }
      continue;
    }
    const hunk = HUNK.exec(raw);
    if (hunk) {
      line = Number(hunk[1]);
      left = hunk[2] === undefined ? 1 : Number(hunk[2]);
      continue;
    }
    if (!current || left <= 0) continue;
    if (raw.startsWith('+') || raw.startsWith(' ')) {
      current.add(line);
      line += 1;
      left -= 1;
    } else if (raw === '') {
      // An empty context line whose leading space was lost (some tools trim it).
      current.add(line);
      line += 1;
      left -= 1;
    }
    // `-` lines are old-side only; `\ No newline at end of file` is not a line.
  }
  return files;
}

/** Whether `path:line` is a new-side line of the diff. */
export function inDiff(lines: DiffLines, path: string, line: number): boolean {
  return lines.get(path)?.has(line) ?? false;
}
