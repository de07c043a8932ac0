import type { ExecResult, Sandbox } from '@abca/sandbox';
import { WorkspaceError } from '../../ports/workspaces.ts';

/**
 * The git work that needs the workspace's `.git` runs inside the sandbox, never on the host. Each
 * script is fixed text; values reach it as environment variables, never spliced into it.
 *
 * The agent may have written anything into `.git` (an `include` of a FIFO, filters, a hooks path,
 * an fsmonitor): git here reads no system or global config, runs no hook, and before committing
 * the repository's own config is replaced with the one the host wrote. Whatever still goes wrong
 * stays inside the sandbox, under its limits, and ends as an exit code.
 */
const PRELUDE = `set -u
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 LC_ALL=C
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
g() { git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.untrackedCache=false \\
  -c core.splitIndex=false -c gc.auto=0 -c maintenance.auto=false -c commit.gpgSign=false -c tag.gpgSign=false "$@"; }
fail() { echo "abca: $2" >&2; exit "$1"; }
# Removed only when there (each rm is a program start): a path that is there, or a dangling link.
there() { [ -e "$1" ] || [ -L "$1" ]; }
cd "$ABCA_WORKSPACE" || fail 90 "the workspace folder is gone"
[ -d .git ] && [ ! -L .git ] || fail 91 ".git is not a folder"
# A plain file is written over; anything else (a link, a folder, a FIFO, a file not writable) goes first.
{ [ ! -L .git/config ] && { [ ! -e .git/config ] || [ -f .git/config ]; } &&
  printf '%s' "$ABCA_GIT_CONFIG" 2>/dev/null > .git/config; } ||
  { rm -rf .git/config && printf '%s' "$ABCA_GIT_CONFIG" > .git/config; } || fail 91 "cannot restore .git/config"
if there .git/index.lock || there .git/HEAD.lock; then rm -rf .git/index.lock .git/HEAD.lock; fi
`;

const CHECKOUT = `${PRELUDE}g reset -q --hard || fail 92 "checking the files out failed"
`;

const CAPTURE = `${PRELUDE}g add -A -- . || fail 92 "git add failed"
if ! g diff --cached --quiet; then g commit -q --no-verify -m "$ABCA_MESSAGE" || fail 92 "git commit failed"; echo committed=1; fi
head=$(g rev-parse -q --verify "refs/heads/$ABCA_BRANCH^{commit}") || fail 93 "the task branch $ABCA_BRANCH is gone"
echo "head=$head"
if there "$ABCA_OUT"; then rm -rf "$ABCA_OUT"; fi
[ "$head" = "$ABCA_BASE" ] && exit 0
# A tree of more files than a checkout may hold is refused: no later task could check it out. The
# count is the index's own (its header; the index is whole, never split, and matches the commit).
files=$(od -An -tu4 --endian=big -j8 -N4 .git/index 2>/dev/null) && [ "\${files:-0}" -gt "$ABCA_MAX_FILES" ] &&
  { echo "too_many=$files"; exit 0; }
# A file over the limit is refused here, before the work is bundled (the host checks again). The
# sizes are looked up only when a blob was left out (the usual case starts two programs, not five).
omitted=$(g rev-list --objects --no-object-names --filter="blob:limit=$((ABCA_MAX_FILE_BYTES + 1))" \
  --filter-print-omitted "refs/heads/$ABCA_BRANCH" "^$ABCA_BASE" 2>/dev/null | grep -m 1000 '^~')
if [ -n "$omitted" ]; then
  big=$(printf '%s\\n' "$omitted" | sed -n 's/^~//p' | g cat-file --batch-check='%(objectsize)' 2>/dev/null |
    sort -n | tail -n 1)
  [ -n "$big" ] && { echo "too_large=$big"; exit 0; }
fi
g bundle create -q "$ABCA_OUT" "refs/heads/$ABCA_BRANCH" "^$ABCA_BASE" || fail 94 "git bundle failed"
# A small bundle comes back in this command's output (no second command to read it out).
size=$(wc -c < "$ABCA_OUT") && [ "$size" -le "$ABCA_INLINE_MAX" ] || exit 0
echo "bundle_bytes=$size"
printf 'bundle64=' && base64 -w0 "$ABCA_OUT" && echo
`;

/** Where the capture's bundle is written inside the sandbox (its private /tmp). */
export const CAPTURE_FILE = '/tmp/abca-capture.bundle';

/**
 * A bundle up to this size comes back base64 in the capture's own output (a trivial task's is
 * well under 1 KiB), read out of the sandbox by a second command only when larger.
 */
export const INLINE_BUNDLE_BYTES = 32 * 1024;

const SCRIPT_TIMEOUT_MS = 10 * 60_000;
const SCRIPT_OUTPUT_BYTES = 64 * 1024;

function tail(res: ExecResult): string {
  return `${res.stderr}`.trim().split('\n').slice(-5).join(' ').slice(-600);
}

async function runScript(
  sandbox: Sandbox,
  script: string,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<ExecResult> {
  return sandbox.exec(script, {
    cwd: sandbox.workspacePath,
    timeoutMs: SCRIPT_TIMEOUT_MS,
    maxOutputBytes: SCRIPT_OUTPUT_BYTES,
    env: { ABCA_WORKSPACE: sandbox.workspacePath, ...env },
    ...(signal ? { signal } : {}),
  });
}

/** Throws the typed failure a script's end stands for, or a plain error (retried) for the rest. */
function judge(res: ExecResult, what: 'checkout' | 'capture'): void {
  if (res.exitCode === 0 && !res.killed) return;
  const code = what === 'checkout' ? 'REPO_TOO_LARGE' : 'WORK_TOO_LARGE';
  if (res.killed === 'timeout')
    throw new WorkspaceError(code, `the ${what} took longer than ${SCRIPT_TIMEOUT_MS / 60_000} minutes`);
  if (res.killed === 'disk_limit' || /disk limit/.test(res.stderr))
    throw new WorkspaceError(code, `the ${what} went over the sandbox's disk limit`);
  if (res.killed === 'memory_limit')
    throw new WorkspaceError(code, `the ${what} went over the sandbox's memory limit`);
  if (res.killed === 'cancelled') throw new Error(`the ${what} was cancelled`);
  if (res.exitCode !== null && res.exitCode >= 90 && res.exitCode <= 94)
    throw new WorkspaceError('WORKSPACE_CORRUPT', `the ${what} failed: ${tail(res)}`);
  throw new Error(`the ${what} in the sandbox failed (exit ${res.exitCode ?? res.killed}): ${tail(res)}`);
}

/** Checks out the branch the host prepared (HEAD), inside the sandbox. */
export async function checkoutInSandbox(
  sandbox: Sandbox,
  gitConfig: string,
  signal?: AbortSignal,
): Promise<void> {
  judge(await runScript(sandbox, CHECKOUT, { ABCA_GIT_CONFIG: gitConfig }, signal), 'checkout');
}

/**
 * Commits leftovers and bundles the task branch since its base into {@link CAPTURE_FILE}, inside
 * the sandbox. Returns the head the sandbox reports (untrusted: the host reads the bundle's own),
 * whether a bundle was written and whether leftovers were committed.
 */
export async function captureInSandbox(
  sandbox: Sandbox,
  opts: {
    gitConfig: string;
    branch: string;
    baseCommit: string;
    message: string;
    /** Files over this many bytes end the capture with `WORK_TOO_LARGE` before anything is bundled. */
    maxFileBytes: number;
    /** A tree of more files ends the capture with `WORK_TOO_LARGE` before anything is bundled. */
    maxFiles: number;
    /** A bundle up to this size (and {@link INLINE_BUNDLE_BYTES}) comes back in the output. */
    maxCaptureBytes: number;
    signal?: AbortSignal;
  },
): Promise<{ head: string; bundled: boolean; committed: boolean; inline?: Buffer }> {
  const res = await runScript(
    sandbox,
    CAPTURE,
    {
      ABCA_GIT_CONFIG: opts.gitConfig,
      ABCA_BRANCH: opts.branch,
      ABCA_BASE: opts.baseCommit,
      ABCA_MESSAGE: opts.message,
      ABCA_OUT: CAPTURE_FILE,
      ABCA_MAX_FILE_BYTES: String(opts.maxFileBytes),
      ABCA_MAX_FILES: String(opts.maxFiles),
      ABCA_INLINE_MAX: String(Math.min(INLINE_BUNDLE_BYTES, opts.maxCaptureBytes)),
    },
    opts.signal,
  );
  judge(res, 'capture');
  const head = /^head=([0-9a-f]{40}|[0-9a-f]{64})$/m.exec(res.stdout)?.[1];
  if (!head) throw new WorkspaceError('WORKSPACE_CORRUPT', 'the capture did not report the branch head');
  // Only the task itself can lose by a sandbox that lies about it: a file the sandbox does not
  // report is still found by the host's own check of the bundle.
  const tooLarge = /^too_large=(\d+)$/m.exec(res.stdout)?.[1];
  if (tooLarge) {
    throw new WorkspaceError(
      'WORK_TOO_LARGE',
      `the task's commits add a file of ${tooLarge} bytes; files over ${opts.maxFileBytes} bytes are not taken out of the sandbox`,
    );
  }
  const tooMany = /^too_many=\s*(\d+)$/m.exec(res.stdout)?.[1];
  if (tooMany) {
    throw new WorkspaceError(
      'WORK_TOO_LARGE',
      `the task's work holds ${tooMany} files; a workspace holds at most ${opts.maxFiles}, so no later task could check the branch out`,
    );
  }
  const inline = inlineBundle(res.stdout);
  return {
    head,
    bundled: head !== opts.baseCommit,
    committed: /^committed=1$/m.test(res.stdout),
    ...(inline ? { inline } : {}),
  };
}

/**
 * The bundle the capture printed, when it printed one whole (its announced size and the decoded
 * bytes agree); undefined otherwise, and the host reads the file. Untrusted like the file: the
 * host checks either the same way.
 */
function inlineBundle(stdout: string): Buffer | undefined {
  const size = /^bundle_bytes=(\d+)$/m.exec(stdout)?.[1];
  const text = /^bundle64=([A-Za-z0-9+/]*={0,2})$/m.exec(stdout)?.[1];
  if (size === undefined || text === undefined) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === Number(size) && bytes.length <= INLINE_BUNDLE_BYTES ? bytes : undefined;
}
