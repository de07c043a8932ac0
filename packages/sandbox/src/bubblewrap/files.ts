import type { RawResult } from '../run-raw-process.ts';
import { fileErrors, type SandboxFileError } from '../sandbox-file-error.ts';
import type { RawSandboxRunOptions } from './exec.ts';

/** Runs a fixed argv in the sandbox with capped output (the sandbox tracks it for `stop`). */
export type RawRunner = (command: string[], options: RawSandboxRunOptions) => Promise<RawResult>;

/**
 * Environment of the file scripts: fixed, so `stat`'s messages and type names are the C locale's
 * whatever `spec.env` says (the host reads them), and no variable of the task can change a tool.
 */
const FILE_ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };

/**
 * Reads a file for the host, inside the sandbox so symlinks resolve there. Arguments: path, limit,
 * limit + 1. It answers one header line, then the content after `ok`:
 * `directory`, `special <stat %F>`, `large <size>` or `ok`. The type and size are checked on the
 * path without opening it (a FIFO or a device is never opened, so nothing blocks; a 5 GB file is
 * never read), then again on the opened descriptor (through /proc/self/fd) so what is read is
 * what was checked, and `head` reads at most one byte past the limit, so a file that grows in
 * between is seen as too large. A FIFO swapped in between the two checks blocks the open: the
 * host's timeout kills it.
 */
const READ_SCRIPT = `check() {
  case \${1#* } in
    'regular file'|'regular empty file') ;;
    directory) echo directory; exit 0 ;;
    *) echo "special \${1#* }"; exit 0 ;;
  esac
  if [ "\${1%% *}" -gt "$2" ]; then echo "large \${1%% *}"; exit 0; fi
}
info=$(stat -L -c '%s %F' -- "$1") || exit 3
check "$info" "$2"
exec 3<"$1" || exit 4
info=$(stat -L -c '%s %F' /proc/self/fd/3) || exit 4
check "$info" "$2"
echo ok
exec head -c "$3" <&3`;

/** Room for the header line before the content. */
const HEADER_BYTES = 128;

/** Reads `target` (a sandbox path) for the caller's `path`, under `maxBytes` and `timeoutMs`. */
export async function readSandboxFile(
  run: RawRunner,
  path: string,
  target: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<Buffer> {
  const out = await run(
    ['/bin/sh', '-c', READ_SCRIPT, 'sh', target, String(maxBytes), String(maxBytes + 1)],
    {
      timeoutMs,
      maxStdoutBytes: HEADER_BYTES + maxBytes + 1,
      env: FILE_ENV,
    },
  );
  if (out.killed === 'timeout') throw fileErrors.timeout(path, timeoutMs);
  if (out.killed === 'stopped') throw new Error(`sandbox stopped while reading ${path}`);
  const newline = out.stdout.indexOf('\n');
  const header = newline === -1 ? '' : out.stdout.subarray(0, Math.min(newline, HEADER_BYTES)).toString();
  if (header === 'ok') {
    const content = out.stdout.subarray(newline + 1);
    // The stdout cap sits past the header and maxBytes + 1, so a cut read is also over the limit.
    if (content.length > maxBytes) throw fileErrors.tooLarge(path, maxBytes);
    if (out.exitCode !== 0 || out.killed) throw failure(path, 'read', out);
    return content;
  }
  if (header === 'directory') throw fileErrors.isDirectory(path);
  if (header.startsWith('special ')) throw fileErrors.notRegular(path, header.slice('special '.length));
  if (header.startsWith('large ')) throw fileErrors.tooLarge(path, maxBytes, Number(header.slice(6)));
  throw failure(path, 'read', out);
}

/**
 * Writes stdin to the path given as argument, creating its folder. An existing folder or
 * non-regular file (`-f` follows symlinks, as the write does) is refused before `cat` opens it,
 * so a FIFO does not block the write; one swapped in afterwards is ended by the timeout.
 */
const WRITE_SCRIPT = `if [ -d "$1" ]; then echo directory; exit 0; fi
if [ -e "$1" ] && [ ! -f "$1" ]; then echo "special $(stat -L -c %F -- "$1")"; exit 0; fi
mkdir -p -- "$(dirname -- "$1")" || exit 3
cat > "$1" || exit 4
echo ok`;

/** Writes `content` to `target` (a sandbox path) for the caller's `path`. */
export async function writeSandboxFile(
  run: RawRunner,
  path: string,
  target: string,
  content: string | Uint8Array,
  timeoutMs: number,
): Promise<void> {
  const out = await run(['/bin/sh', '-c', WRITE_SCRIPT, 'sh', target], {
    stdin: content,
    timeoutMs,
    maxStdoutBytes: HEADER_BYTES,
    env: FILE_ENV,
  });
  if (out.killed === 'timeout') throw fileErrors.timeout(path, timeoutMs);
  if (out.killed === 'stopped') throw new Error(`sandbox stopped while writing ${path}`);
  const header = out.stdout.toString().trim();
  if (header === 'ok' && out.exitCode === 0) return;
  if (header === 'directory') throw fileErrors.isDirectory(path);
  if (header.startsWith('special ')) throw fileErrors.notRegular(path, header.slice('special '.length));
  throw failure(path, 'write', out);
}

/**
 * A failed script. A read whose `stat` or `open` found nothing is `not_found` (a dangling symlink
 * included; the C locale fixes the words); anything else is `failed` with the tool's own message.
 */
function failure(path: string, action: 'read' | 'write', out: RawResult): SandboxFileError {
  const stderr = out.stderr.toString().trim();
  const missing = /No such file|Not a directory/.test(stderr) && (out.exitCode === 3 || out.exitCode === 4);
  if (action === 'read' && missing) return fileErrors.notFound(path);
  const why = stderr || (out.killed ? `killed (${out.killed})` : `exit code ${out.exitCode}`);
  return fileErrors.failed(path, `cannot ${action}: ${why}`);
}
