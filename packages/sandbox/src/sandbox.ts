import type { SandboxFileError } from './sandbox-file-error.ts';

export {
  isSandboxFileError,
  SANDBOX_FILE_ERROR_CODES,
  SandboxFileError,
  type SandboxFileErrorCode,
  type SandboxFileErrorDetails,
} from './sandbox-file-error.ts';

/**
 * The sandbox port: an isolated place where a task's untrusted commands run.
 *
 * Invariants every backend keeps (checked by the shared contract suite):
 * - One sandbox lives for the whole task; `exec` may be called many times, concurrently or not.
 * - The host workspace folder given at creation is visible at {@link Sandbox.workspacePath} and is
 *   the only writable host folder; home is writable but private to the sandbox.
 * - No host secret reaches the sandbox: the environment is built from scratch (PATH, HOME, LANG and
 *   what the caller passes explicitly), never inherited.
 * - `exec` never throws for a command that failed, timed out or printed too much: those are values
 *   in {@link ExecResult}. It throws only when the sandbox itself is broken or stopped.
 * - Every byte the host takes from the sandbox is bounded, because the sandbox's files and output
 *   are written by an untrusted agent running an untrusted repository's scripts (`ln -s /dev/zero
 *   big.txt` must not grow the server until the kernel kills it):
 *   - `exec` output is capped ({@link ExecOptions.maxOutputBytes}) on stdout and stderr together;
 *   - `readFile` reads only a regular file (symlinks are resolved inside the sandbox). A FIFO,
 *     socket, character or block device is refused with `not_regular` and a directory with
 *     `is_directory`, both without opening it for reading, so without blocking. A file whose size
 *     is over {@link ReadFileOptions.maxBytes} is refused with `too_large` without reading it (a
 *     5 GB sparse file is refused at once). Whatever happens between that check and the read (the
 *     file grows, is swapped for a FIFO or a device), the host never collects more than `maxBytes`
 *     of content and never waits past {@link ReadFileOptions.timeoutMs}: the reader is killed and
 *     the call rejects with `too_large` or `timeout`;
 *   - `writeFile` refuses an existing target that is not a regular file (so it never blocks on a
 *     FIFO) and has the same default wall time as a read.
 *   File failures reject with a {@link SandboxFileError} whose `code` says why; a stopped or broken
 *   sandbox rejects with a plain `Error`, as `exec` does.
 * - `stop` is idempotent and leaves no process behind.
 */
export interface Sandbox {
  readonly id: string;
  /** Backend kind, for example `bubblewrap` or `local`. */
  readonly kind: string;
  /** Absolute path of the workspace as seen by commands inside the sandbox (e.g. `/workspace`). */
  readonly workspacePath: string;
  /** Runs `command` with `/bin/bash -c` inside the sandbox. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Reads a regular file, at most `maxBytes` of it; a relative path is resolved against the
   * workspace. Rejects with a {@link SandboxFileError} (see the invariants above).
   */
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer>;
  /**
   * Writes a file (creating parent folders); a relative path is resolved against the workspace.
   * Binary-safe. Rejects with a {@link SandboxFileError} when the target is a folder or another
   * non-regular file, or when the write takes over {@link FILE_TIMEOUT_MS}.
   */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /**
   * What has run in the sandbox so far, for a caller that wants to know whether anything ran
   * between two moments (see {@link SandboxActivity}). Undefined while a command or file operation
   * runs, after `stop`, and when the backend cannot see its processes; a backend without the
   * method never says so.
   */
  activity?(): Promise<SandboxActivity | undefined>;
  /** Kills every process of the sandbox and releases its resources. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A mark of what has run in a sandbox. Two marks of the same sandbox that are equal
 * ({@link sameActivity}) mean that between them no command or file operation started and no process
 * of the sandbox ran on a CPU, so nothing in the sandbox wrote anything. That covers a process that
 * outlived its command: one living on in the sandbox's own long-lived processes (a command can
 * ptrace them: they run as the same user) counts as soon as it runs.
 */
export interface SandboxActivity {
  /** Commands and file operations started in the sandbox so far. */
  commands: number;
  /**
   * Every thread of the sandbox with the kernel's counts of how often it was put on and taken off a
   * CPU and its CPU time: changes whenever any of them runs (an opaque text, compared whole).
   */
  scheduling: string;
}

/** Whether nothing ran in the sandbox between two marks ({@link SandboxActivity}). */
export function sameActivity(a: SandboxActivity | undefined, b: SandboxActivity | undefined): boolean {
  return a !== undefined && b !== undefined && a.commands === b.commands && a.scheduling === b.scheduling;
}

/** Default wall time of `readFile` and `writeFile`: a file operation never needs the 10-minute command budget. */
export const FILE_TIMEOUT_MS = 30_000;

/** Bounds of one {@link Sandbox.readFile}. */
export interface ReadFileOptions {
  /** Largest file accepted, in bytes; default the sandbox's `limits.maxReadBytes`. */
  maxBytes?: number;
  /** Wall time of the read; default 30 s ({@link FILE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

export interface ExecOptions {
  /** Working folder inside the sandbox; relative paths resolve against the workspace. */
  cwd?: string;
  /** Wall-time limit in milliseconds; the whole process tree is killed when it is reached. */
  timeoutMs?: number;
  /**
   * Cap on captured stdout+stderr bytes; output beyond it is dropped and `truncated` set, and the
   * command is killed (`output_limit`) once it printed several times the cap.
   */
  maxOutputBytes?: number;
  /** Extra environment variables for this command only (never secrets). */
  env?: Record<string, string>;
  stdin?: string;
  /** Aborting kills the command's process tree at once. */
  signal?: AbortSignal;
  /**
   * Called with output as it arrives, also past `maxOutputBytes` (the cap bounds what the result
   * keeps; a command printing far past it is still killed): the caller keeps what it needs, such as
   * a tail for progress, and must not keep it all.
   */
  onOutput?: (chunk: { stream: 'stdout' | 'stderr'; data: string }) => void;
}

export interface ExecResult {
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when output went over `maxOutputBytes` and was cut. */
  truncated: boolean;
  /**
   * Why the command was stopped by the sandbox, when it was. `disk_limit`: the workspace grew over
   * `limits.diskBytes` or `limits.maxFiles` while it ran (a command writing one file over the limit gets SIGXFSZ from
   * the file-size rlimit instead, a plain failure).
   */
  killed?: 'timeout' | 'output_limit' | 'memory_limit' | 'disk_limit' | 'cancelled';
  durationMs: number;
}

/** Resource limits of a sandbox; every field has a default in the backend. */
export interface SandboxLimits {
  memoryBytes?: number;
  maxProcesses?: number;
  /** CPU share in cores, e.g. 1 for one full core. */
  cpus?: number;
  /** Maximum bytes the workspace may grow to. */
  diskBytes?: number;
  /**
   * Most files and folders (inodes) the workspace may hold. Empty files use no bytes, yet each takes
   * an inode from the host file system's fixed table.
   */
  maxFiles?: number;
  /** Default per-command timeout when `ExecOptions.timeoutMs` is not given. */
  commandTimeoutMs?: number;
  /** Default output cap when `ExecOptions.maxOutputBytes` is not given. */
  maxOutputBytes?: number;
  /** Default largest file `readFile` accepts, in bytes, when `ReadFileOptions.maxBytes` is not given. */
  maxReadBytes?: number;
}

export interface SandboxSpec {
  /** Used in ids and cgroup names; must be a safe identifier. */
  taskId: string;
  /** Host folder mounted writable at the sandbox's workspace path. */
  workspaceDir: string;
  /** Host folders mounted read-only at the same absolute path (e.g. a git mirror used by `--reference`). */
  readOnlyPaths?: string[];
  /**
   * Hosts reachable through the egress proxy: `registry.npmjs.org`, `*.example.com`, an IP, each
   * optionally with `:port` (without, 80 and 443 only). Empty or absent means no network at all.
   * A name is connected only when it resolves to a public address (or one in the backend's
   * allowed private ranges).
   */
  allowedHosts?: string[];
  limits?: SandboxLimits;
  /** Non-secret environment for every command. */
  env?: Record<string, string>;
  /** Reports sandbox events, such as a blocked egress attempt. */
  onEvent?: (event: SandboxEvent) => void;
}

/**
 * Why the egress proxy refused a connection: the host is not on the allowlist, the port is not
 * one the allowlist gives it (80 and 443 unless an entry names the port), every address the name
 * resolves to is non-public and not in the operator's allowed ranges, or the name did not resolve.
 */
export type EgressBlockReason = 'not_allowlisted' | 'port_not_allowed' | 'private_address' | 'resolve_failed';

/** The egress proxy refused a connection; the sandbox got a 403 (a 502 for `resolve_failed`). */
export interface EgressBlockedEvent {
  type: 'egress_blocked';
  /** The host as the sandbox asked for it (lower case, no brackets). */
  host: string;
  port: number;
  reason: EgressBlockReason;
  /** The refused address, when the refusal came after resolving (`private_address`). */
  address?: string;
}

/** The egress proxy connected; `address` is the resolved address it checked and connected to. */
export interface EgressAllowedEvent {
  type: 'egress_allowed';
  host: string;
  port: number;
  address: string;
}

/** Something the sandbox could not do as asked (a limit it could not apply, leftovers swept). */
export interface SandboxWarningEvent {
  type: 'warning';
  message: string;
}

export type SandboxEvent = EgressBlockedEvent | EgressAllowedEvent | SandboxWarningEvent;

/** What a backend answers when asked whether it can run on this machine. */
export interface SandboxAvailability {
  ok: boolean;
  /** Why not, when `ok` is false. */
  reason?: string;
  /** How to fix it, when `ok` is false. */
  remedy?: string;
}

export interface SandboxBackend {
  readonly kind: string;
  available(): Promise<SandboxAvailability>;
  create(spec: SandboxSpec): Promise<Sandbox>;
}
