/**
 * The lines of a unified diff's new side that a review comment may name, per file: added lines and
 * the context lines around them (what GitHub lets a reviewer comment on, `side: RIGHT`). A file
 * deleted by the diff has none. The diff is untrusted text: it is only read, line by line.
 */
export type DiffLines = Map<string, Set<number>>;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

export function newSideLines(diff: string): DiffLines {
  const out: DiffLines = new Map();
  let file: Set<number> | undefined;
  let line = 0;
  let left = 0;
  for (const text of diff.split('\n')) {
    if (left > 0) {
      // Inside a hunk: `+` and ` ` lines are on the new side, `-` only on the old one.
      if (text.startsWith('+') || text.startsWith(' ') || text === '') {
        file?.add(line);
        line += 1;
        left -= 1;
        continue;
      }
      if (text.startsWith('-') || text.startsWith('\\')) continue;
      left = 0;
    }
    if (text.startsWith('diff --git ')) {
      file = undefined;
      continue;
    }
    if (text.startsWith('+++ ')) {
      const target = unquote(text.slice(4));
      if (target === '/dev/null') file = undefined;
      else {
        const path = target.startsWith('b/') ? target.slice(2) : target;
        file = out.get(path) ?? new Set();
        out.set(path, file);
      }
      continue;
    }
    const hunk = HUNK.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      left = hunk[2] === undefined ? 1 : Number(hunk[2]);
    }
  }
  return out;
}

/** Whether `path`:`line` is a line of the diff's new side. */
export function inDiff(lines: DiffLines, path: string, line: number): boolean {
  return lines.get(path)?.has(line) ?? false;
}

/** Git's C-style quoting of unusual paths (`"b/caf\303\251.md"`), undone. */
function unquote(path: string): string {
  if (!path.startsWith('"') || !path.endsWith('"') || path.length < 2) return path;
  const bytes: number[] = [];
  const body = path.slice(1, -1);
  const ESC: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8) & 0xff);
      i += 3;
    } else {
      bytes.push(ESC[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
