import type { GitCli } from '../../../git/git-cli.ts';
import { withScriptOutput } from '../../../git/script-output.ts';
import { ForgeError } from '../../../ports/forge.ts';
import type { ChangeRequestCommit } from '../../../store/change-requests.ts';

const LOG_BYTES = 4 * 1024 * 1024;

/**
 * A change request's merge base, commits and diff in one fixed script run in the mirror (one
 * process start for the platform instead of three). The log is bounded by git's own cut of each
 * subject and author; the diff is cut by `head -c` one byte past `maxDiffBytes` (so a cut is seen).
 * $1 base tip, $2 head, $3 output folder, $4 diff bytes kept.
 */
const SCRIPT = `
set -u
base=$(git merge-base "$1" "$2" 2>/dev/null) || { echo 'merge-base 1'; exit 0; }
base=\${base:-$1}
echo "base $base"
# The newest 1000 commits, subject and author cut by git at 400 columns: at most some 3 MB.
git log --reverse --max-count=1000 '--format=%H%x1f%<(400,trunc)%s%x1f%<(400,trunc)%an%x1e' "$base..$2" > "$3/log" 2>/dev/null
echo "log $?"
{ git diff --no-ext-diff --no-textconv "$base" "$2" 2>/dev/null; echo $? > "$3/diff.rc"; } | head -c "$4" > "$3/diff"
read -r rc < "$3/diff.rc"; echo "diff $rc"
`;

export interface ChangeListing {
  base: string;
  commits: ChangeRequestCommit[];
  /** The diff, cut at `maxDiffBytes` with a note; '' when git could not make it. */
  diff: string;
  /** Both listings came out whole or cut, none failed (a failed one is worth computing again). */
  complete: boolean;
}

/** Lists what `head` adds over its merge base with `baseTip`, in the host repository `repoDir`. */
export async function listChange(
  git: GitCli,
  repoDir: string,
  baseTip: string,
  head: string,
  maxDiffBytes: number,
): Promise<ChangeListing> {
  if (![baseTip, head].every((c) => /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(c)))
    throw new ForgeError('INTERNAL_ERROR', 'a change request is listed between two commit ids', false);
  return withScriptOutput(async (out, read) => {
    const res = await git.script(SCRIPT, [baseTip, head, out, String(maxDiffBytes + 1)], {
      cwd: repoDir,
      maxOutputBytes: 4096,
    });
    const steps = new Map<string, string>();
    for (const line of res.stdout.split('\n')) {
      const m = /^(base|merge-base|log|diff) ([0-9a-f]{40}|[0-9a-f]{64}|\d{1,3})$/.exec(line);
      if (m?.[1] && m[2]) steps.set(m[1], m[2]);
    }
    const base = steps.get('base');
    if (res.code !== 0 || !base || base.length < 40)
      throw new ForgeError(
        'INTERNAL_ERROR',
        `git merge-base failed: ${res.stderr.trim().slice(-300)}`,
        false,
      );
    const commits: ChangeRequestCommit[] = (await read('log', LOG_BYTES))
      .toString('utf8')
      .split('\x1e')
      .map((l) => l.trim())
      .filter((l) => l.split('\x1f').length === 3)
      .map((l) => {
        const [sha = '', subject = '', author = ''] = l.split('\x1f');
        return { sha, subject: subject.trimEnd().slice(0, 200), author: author.trimEnd().slice(0, 200) };
      });
    const raw = await read('diff', maxDiffBytes + 1);
    // Cut, not failed, when huge (a million-file change): the change request still shows what it can.
    const cut = raw.length > maxDiffBytes;
    const diffOk = steps.get('diff') === '0';
    const diff = cut
      ? `${raw.subarray(0, maxDiffBytes).toString('utf8')}\n[diff cut at ${maxDiffBytes} bytes]\n`
      : diffOk
        ? raw.toString('utf8')
        : '';
    const logOk = steps.get('log') === '0';
    return { base, commits, diff, complete: logOk && (diffOk || cut) };
  });
}
