import { posix } from 'node:path';
import type { ExecCgroup, SandboxCgroup } from '../cgroup.ts';
import { type KillReason, runProcess } from '../run-process.ts';
import { type RawRun, runRawProcess } from '../run-raw-process.ts';
import { type ExecOptions, type ExecResult, FILE_TIMEOUT_MS, type SandboxLimits } from '../sandbox.ts';
import type { Spawner } from '../spawner/spawner.ts';
import { execLaunchArgv, LAUNCHER_ENV } from './launcher.ts';
import { SANDBOX_WORKSPACE } from './profile.ts';

/** What a command launch needs to know about its running sandbox. */
export interface SandboxProcessContext {
  uid: number;
  gid: number;
  /** Host pid of the sandbox's init, the target of `nsenter`. */
  childPid: number;
  cgroup: SandboxCgroup | undefined;
  env: Record<string, string>;
  limits: Required<SandboxLimits>;
  isRunning: () => boolean;
  diagnostics: () => string;
  /** What starts the launchers of its commands. */
  spawner: Spawner;
}

/** A command running in the sandbox, killable by the sandbox (stop, disk watchdog). */
export interface SandboxRun {
  result: Promise<ExecResult>;
  kill(reason: 'stopped' | 'disk_limit'): void;
}

async function launch(
  context: SandboxProcessContext,
  name: string,
  command: string[],
  cwd: string,
  env: Record<string, string>,
) {
  let execCgroup: ExecCgroup | undefined;
  try {
    execCgroup = await context.cgroup?.createExec(name);
  } catch {
    execCgroup = undefined;
  }
  const argv = execLaunchArgv({
    cgroupFiles: execCgroup?.joinFiles ?? context.cgroup?.joinFiles ?? [],
    targetPid: context.childPid,
    uid: context.uid,
    gid: context.gid,
    maxFileBytes: context.limits.diskBytes,
    cwd,
    env,
    command,
  });
  // Its own session: a Ctrl-C at the server's terminal must not kill the command (the drain lets it finish).
  const child = context.spawner.spawn(argv[0] ?? '/bin/sh', argv.slice(1), {
    env: LAUNCHER_ENV,
    cwd: '/',
    detached: true,
  });
  const killTree = async () => {
    child.kill('SIGKILL');
    await execCgroup?.kill();
  };
  return { child, execCgroup, killTree };
}

const DISK_NOTE = (limits: { diskBytes: number; maxFiles: number }) =>
  `\n[sandbox] command killed: the workspace went over its disk limit (${limits.diskBytes} bytes, ${limits.maxFiles} files and folders)\n`;

/**
 * Runs `command` with `/bin/bash -c` in the sandbox, in its own child cgroup so that a timeout,
 * an abort or the end of the command kill the whole tree, daemonised children included.
 */
export async function runInSandbox(
  context: SandboxProcessContext,
  name: string,
  command: string,
  options: ExecOptions,
): Promise<SandboxRun> {
  const cwd = posix.resolve(SANDBOX_WORKSPACE, options.cwd ?? '.');
  const env = { ...context.env, ...options.env };
  const oomBefore = (await context.cgroup?.oomKills()) ?? 0;
  const { child, execCgroup, killTree } = await launch(context, name, ['/bin/bash', '-c', command], cwd, env);
  const running = runProcess(child, {
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    timeoutMs: options.timeoutMs ?? context.limits.commandTimeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? context.limits.maxOutputBytes,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    killTree,
  });
  const result = running.result.then(async ({ reason, ...result }): Promise<ExecResult> => {
    // Nothing a command started outlives it.
    await execCgroup?.remove().catch(() => {});
    const oomAfter = (await context.cgroup?.oomKills()) ?? 0;
    const killed = mapReason(reason, result, oomAfter > oomBefore);
    if (reason === 'disk_limit') result.stderr += DISK_NOTE(context.limits);
    return killed ? { ...result, killed } : result;
  });
  return { result, kill: (reason) => running.kill(reason) };
}

function mapReason(
  reason: KillReason | undefined,
  result: ExecResult,
  oomKilled: boolean,
): ExecResult['killed'] | undefined {
  if (reason === 'stopped') return 'cancelled';
  if (reason) return reason;
  if (oomKilled && (result.exitCode === null || result.exitCode === 137)) return 'memory_limit';
  return undefined;
}

/** Options of {@link runRawInSandbox}. */
export interface RawSandboxRunOptions {
  stdin?: string | Uint8Array;
  /** Wall time; default {@link FILE_TIMEOUT_MS} (a file operation, not a build). */
  timeoutMs?: number;
  /** Bytes of stdout collected; past them the tree is killed. */
  maxStdoutBytes: number;
  /** Bytes of stderr collected; past them the tree is killed. Default 64 KiB. */
  maxStderrBytes?: number;
  /** Environment of the command; default the sandbox's. */
  env?: Record<string, string>;
}

const RAW_STDERR_BYTES = 64 * 1024;

/**
 * Runs an argv (no shell parsing of caller data) in the sandbox and collects raw bytes, for the
 * sandbox's own file operations. Both streams are capped and the run has a short wall time, so a
 * command fed a hostile path (a FIFO, `/dev/zero`) costs the host a bounded amount of memory and
 * time. Like an exec it gets its own child cgroup, removed (with anything left in it) at the end.
 */
export async function runRawInSandbox(
  context: SandboxProcessContext,
  name: string,
  command: string[],
  options: RawSandboxRunOptions,
): Promise<RawRun> {
  const { child, execCgroup, killTree } = await launch(
    context,
    name,
    command,
    SANDBOX_WORKSPACE,
    options.env ?? context.env,
  );
  const run = runRawProcess(child, {
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    timeoutMs: options.timeoutMs ?? FILE_TIMEOUT_MS,
    maxStdoutBytes: options.maxStdoutBytes,
    maxStderrBytes: options.maxStderrBytes ?? RAW_STDERR_BYTES,
    killTree,
  });
  const result = run.result.finally(() => execCgroup?.remove().catch(() => {}));
  return { result, kill: run.kill };
}
