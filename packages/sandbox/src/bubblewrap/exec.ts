import { spawn } from 'node:child_process';
import { posix } from 'node:path';
import type { ExecCgroup, SandboxCgroup } from '../cgroup.ts';
import { type KillReason, runProcess } from '../run-process.ts';
import type { ExecOptions, ExecResult, SandboxLimits } from '../sandbox.ts';
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
  const child = spawn(argv[0] ?? '/bin/sh', argv.slice(1), { env: LAUNCHER_ENV, cwd: '/', stdio: 'pipe' });
  const killTree = async () => {
    child.kill('SIGKILL');
    await execCgroup?.kill();
  };
  return { child, execCgroup, killTree };
}

const DISK_NOTE = (limit: number) =>
  `\n[sandbox] command killed: the workspace went over its ${limit}-byte disk limit\n`;

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
    if (reason === 'disk_limit') result.stderr += DISK_NOTE(context.limits.diskBytes);
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
  if (reason === 'disk_limit') return undefined;
  if (reason) return reason;
  if (oomKilled && (result.exitCode === null || result.exitCode === 137)) return 'memory_limit';
  return undefined;
}

/** Runs an argv in the sandbox and collects raw bytes (used for readFile/writeFile). */
export async function runRawInSandbox(
  context: SandboxProcessContext,
  name: string,
  command: string[],
  stdin?: string | Uint8Array,
): Promise<{ exitCode: number | null; stdout: Buffer; stderr: Buffer }> {
  const { child, execCgroup, killTree } = await launch(
    context,
    name,
    command,
    SANDBOX_WORKSPACE,
    context.env,
  );
  const timer = setTimeout(() => void killTree(), context.limits.commandTimeoutMs);
  try {
    return await new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ exitCode: code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
      );
      child.stdin.on('error', () => {});
      child.stdin.end(stdin ?? '');
    });
  } finally {
    clearTimeout(timer);
    await execCgroup?.remove().catch(() => {});
  }
}
