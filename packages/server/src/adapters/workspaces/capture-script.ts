import { z } from 'zod';
import type { GitCli } from '../../git/git-cli.ts';
import { withScriptOutput } from '../../git/script-output.ts';
import { ForgeError } from '../../ports/forge.ts';

/** Bytes of each listing the platform reads back (the paths are cut there by the script too). */
export const CAPTURE_SCRIPT_CAPS = {
  heads: 64 * 1024,
  fetchErr: 64 * 1024,
  log: 2 * 1024 * 1024,
  paths: 256 * 1024,
} as const;

/**
 * The host's checks of a capture as one script, run once in a host-made repository (a clean scratch
 * repository, or a fresh clone at prepare): the git calls that used to be a process each of the
 * platform's (init, bundle list-heads, fetch with fsck, the fetched tip, the ancestry check, the
 * large-file scan, the commit list and the changed paths) start from this one shell instead. It
 * decides nothing: it stops at the first step that failed and reports each step's exit code on a
 * line of its own (`<step> <code>`); what each step printed goes to a file of `$out`, bounded
 * (by the bundle's size, by git's own cut of each subject, or by `head -c`), and the platform
 * reads a fixed amount of it back and judges it ({@link runCaptureScript}). Shell builtins do the
 * small work between the steps: every extra process costs a few milliseconds of CPU here.
 *
 * $1 repository, $2 objects folder to borrow ('' when the repository exists), $3 bundle file,
 * $4 the branch's ref (`refs/heads/<branch>`), $5 the ref to fetch it to, $6 base commit,
 * $7 what to do (`verified`: up to the tip; `check`: the checks; `list`: the checks and the
 * listings), $8 the blob size limit plus one, $9 output folder.
 */
const SCRIPT = `
set -u
# Bytes, not characters: the bundle header's length below counts bytes.
LC_ALL=C; export LC_ALL
repo=$1 alt=$2 bundle=$3 want=$4 ref=$5 base=$6 mode=$7 limit=$8 out=$9
step() { printf '%s %s\\n' "$1" "$2"; }
if [ -n "$alt" ]; then
  git init --quiet --bare "$repo" >/dev/null 2>"$out/init.err"; rc=$?; step init $rc
  [ $rc -eq 0 ] || exit 0
  printf '%s\\n' "$alt" > "$repo/objects/info/alternates" || { step alternates 1; exit 0; }
fi
# The heads are in the bundle's header: their listing is never larger than the bundle itself.
git bundle list-heads "$bundle" > "$out/heads" 2>/dev/null; rc=$?; step heads $rc
[ $rc -eq 0 ] || exit 0
# Exactly one head, the branch's (shell builtins only): anything else is not fetched.
n=0 named=''
while IFS=' ' read -r oid name rest; do n=$((n + 1)); named=$name; [ $n -gt 1 ] && break; done < "$out/heads"
[ $n -eq 1 ] && [ "$named" = "$want" ] || exit 0
# Its complaint is a line or so per bad object of the bundle: bounded by the bundle's size.
git -c fetch.fsckObjects=true fetch --quiet --no-tags --no-write-fetch-head "$bundle" "+$want:$ref" >/dev/null 2>"$out/fetch.err"
rc=$?
# git 2.39 does not fsck what it fetches from a bundle: the bundle's pack (what follows its header,
# up to the first empty line) is checked again alone, strictly; a failure takes the ref back. A
# header git's fetch took is text; a NUL in it only moves the cut, and the check then fails.
if [ $rc -eq 0 ]; then
  hdr=0
  while IFS= read -r line; do [ -z "$line" ] && break; hdr=$((hdr + \${#line} + 1)); done < "$bundle"
  tail -c +$((hdr + 2)) "$bundle" | git index-pack --stdin --strict --fix-thin >/dev/null 2>"$out/fetch.err"
  rc=$?
  [ $rc -eq 0 ] || git update-ref -d "$ref" >/dev/null 2>&1
fi
step fetch $rc
[ $rc -eq 0 ] || exit 0
tip=$(git rev-parse --verify --quiet "$ref^{commit}") || { step tip 1; exit 0; }
step tip "$tip"
[ "$mode" = verified ] && exit 0
git merge-base --is-ancestor "$base" "$tip" >/dev/null 2>&1; rc=$?; step ancestor $rc
[ $rc -eq 0 ] || exit 0
{ git rev-list --objects --no-object-names "--filter=blob:limit=$limit" --filter-print-omitted "$tip" "^$base" 2>/dev/null; echo $? > "$out/revlist.rc"; } | grep -m 5 '^~' > "$out/omitted"
read -r rc < "$out/revlist.rc"; step revlist "$rc"
if [ -s "$out/omitted" ]; then
  while read -r o; do printf '%s\\n' "\${o#\\~}"; done < "$out/omitted" | git cat-file '--batch-check=%(objectsize)' > "$out/sizes" 2>/dev/null
  step sizes $?
  exit 0
fi
[ "$rc" = 0 ] || exit 0
[ "$mode" = list ] || exit 0
[ "$base" = "$tip" ] && exit 0
# The newest 1000 commits, a subject cut by git at 400 columns: at most some 1.6 MB.
git log --reverse --max-count=1000 '--format=%H%x1f%<(400,trunc)%s' "$tip" "^$base" > "$out/log" 2>/dev/null
step log $?
{ git diff --name-only -z --no-renames "$base" "$tip" 2>/dev/null; echo $? > "$out/paths.rc"; } | head -c ${CAPTURE_SCRIPT_CAPS.paths} > "$out/paths"
read -r rc < "$out/paths.rc"; step paths "$rc"
`;

const stepLine = z.union([
  z.tuple([
    z.enum(['init', 'alternates', 'heads', 'fetch', 'ancestor', 'revlist', 'sizes', 'log', 'paths']),
    z.coerce.number().int(),
  ]),
  z.tuple([z.literal('tip'), z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64}|1)$/)]),
]);

/** What the script found: each step's exit code (or the tip), and its bounded outputs. */
export interface CaptureScriptResult {
  steps: Map<string, string>;
  /** A listing the script wrote, as it is on disk (never more than its cap plus one byte). */
  read(name: 'heads' | 'fetch.err' | 'omitted' | 'sizes' | 'log' | 'paths' | 'init.err'): Promise<Buffer>;
}

/** Runs {@link SCRIPT} in `repoDir` and hands what it found to `judge`; throws when it could not run. */
export async function runCaptureScript<T>(
  git: GitCli,
  opts: {
    repoDir: string;
    /** The mirror's objects folder to borrow when the script is to make `repoDir` (bare) first. */
    borrow?: string;
    bundleFile: string;
    branchRef: string;
    ref: string;
    baseCommit: string;
    mode: 'verified' | 'check' | 'list';
    maxFileBytes: number;
    signal?: AbortSignal;
  },
  judge: (found: CaptureScriptResult) => Promise<T>,
): Promise<T> {
  return withScriptOutput(async (out, read) => {
    const limit = Math.min(opts.maxFileBytes + 1, Number.MAX_SAFE_INTEGER);
    const res = await git.script(
      SCRIPT,
      [
        opts.repoDir,
        opts.borrow ?? '',
        opts.bundleFile,
        opts.branchRef,
        opts.ref,
        opts.baseCommit,
        opts.mode,
        String(limit),
        out,
      ],
      { cwd: opts.repoDir, maxOutputBytes: 4096, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    const steps = new Map<string, string>();
    for (const line of res.stdout.split('\n').filter(Boolean)) {
      const parsed = stepLine.safeParse(line.split(' '));
      if (!parsed.success)
        throw new ForgeError('INTERNAL_ERROR', `the capture check printed '${line.slice(0, 80)}'`, false);
      steps.set(parsed.data[0], String(parsed.data[1]));
    }
    if (res.code !== 0)
      throw new ForgeError(
        'INTERNAL_ERROR',
        `the capture check failed: ${res.stderr.trim().slice(-300)}`,
        true,
      );
    return judge({
      steps,
      read: (name) => read(name, CAPS_OF[name], name === 'fetch.err' ? 'end' : 'start'),
    });
  });
}

const CAPS_OF = {
  heads: CAPTURE_SCRIPT_CAPS.heads + 1,
  // The end of a long complaint: its last lines are what explain it.
  'fetch.err': CAPTURE_SCRIPT_CAPS.fetchErr,
  omitted: 4096,
  sizes: 4096,
  log: CAPTURE_SCRIPT_CAPS.log,
  paths: CAPTURE_SCRIPT_CAPS.paths,
  'init.err': 4096,
} as const;
