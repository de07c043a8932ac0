import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chown, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAddressPolicy } from '../address-policy.ts';
import {
  type CgroupLayout,
  createSandboxCgroup,
  detectCgroupLayout,
  type SandboxCgroup,
  sandboxCgroupName,
} from '../cgroup.ts';
import { type EgressProxy, startEgressProxy } from '../egress-proxy.ts';
import { resolveLimits, validateSpec } from '../limits.ts';
import type {
  Sandbox,
  SandboxAvailability,
  SandboxBackend,
  SandboxEvent,
  SandboxLimits,
  SandboxSpec,
} from '../sandbox.ts';
import { sharedSpawner } from '../spawner/helper-spawner.ts';
import type { Spawner } from '../spawner/spawner.ts';
import { checkBubblewrap } from './availability.ts';
import type { SandboxProcessContext } from './exec.ts';
import { LAUNCHER_ENV, sandboxLaunchArgv } from './launcher.ts';
import { buildBwrapArgs, buildSandboxEnv, sandboxEtcFiles, sandboxMainCommand } from './profile.ts';
import { createBubblewrapSandbox } from './sandbox.ts';
import { chownTree, waitForChildPid, waitForForwarder, waitForMainCommand } from './startup.ts';
import { OWNER_FILE, sweepLeftovers } from './sweep.ts';

/** Options of {@link createBubblewrapBackend}; every field has a default. */
export interface BubblewrapBackendOptions {
  /** Path of the bwrap binary. Default `/usr/bin/bwrap`. */
  bwrapPath?: string;
  /** Uid and gid of commands, inside and on the host (the workspace is chowned to them). Default 1000. */
  uid?: number;
  gid?: number;
  /** Root-owned folder for per-sandbox staging folders and proxy sockets. Default `/run/abca-sandbox`. */
  runDir?: string;
  /** Mount point of the cgroup hierarchies. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /** Limits used where the spec gives none. */
  defaultLimits?: SandboxLimits;
  /** Size of the private /tmp and home tmpfs each, in bytes. Default 512 MiB (also charged to memory). */
  tmpfsBytes?: number;
  /** Timeout for the sandbox to come up, in ms. Default 10 s. */
  startTimeoutMs?: number;
  /** The operator's egress policy, the same for every sandbox of this backend. */
  egress?: BubblewrapEgressOptions;
  /** What starts the commands' launchers and the disk checks. Default: the process's helper ({@link sharedSpawner}). */
  spawner?: Spawner;
}

/** Egress settings of the operator (a repo's allowlist cannot widen them). */
export interface BubblewrapEgressOptions {
  /**
   * CIDR ranges (or single addresses) of non-public addresses an allowlisted name may resolve to,
   * e.g. an internal registry's `10.20.0.0/16`. Default none: loopback, private, link-local,
   * carrier-grade NAT and the like are refused. Cloud metadata addresses stay refused unless
   * listed as a single address. Validated when the backend is created.
   */
  allowPrivateRanges?: readonly string[];
}

const ARGS_FD = 4;
const STATUS_FD = 3;

/**
 * The default backend on Linux: one persistent bubblewrap sandbox per task, with every namespace
 * unshared, an unprivileged uid, cgroup limits and an optional egress allowlist. Needs root on the
 * host (cgroups, nsenter, staging mounts) and `apt-get install -y bubblewrap socat`.
 */
export function createBubblewrapBackend(options: BubblewrapBackendOptions = {}): SandboxBackend {
  const bwrapPath = options.bwrapPath ?? '/usr/bin/bwrap';
  const uid = options.uid ?? 1000;
  const gid = options.gid ?? 1000;
  const runDir = options.runDir ?? '/run/abca-sandbox';
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const tmpfsBytes = options.tmpfsBytes ?? 512 * 1024 * 1024;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const spawner = options.spawner ?? sharedSpawner();
  const allowPrivateRanges = [...(options.egress?.allowPrivateRanges ?? [])];
  // A malformed range must stop the server at start, not at the first task with network.
  createAddressPolicy({ allowPrivateRanges });
  let layout: CgroupLayout | undefined;
  let availability: Promise<SandboxAvailability> | undefined;
  let swept: Promise<void> | undefined;
  const available = () => {
    availability ??= checkBubblewrap(bwrapPath, uid, gid);
    return availability;
  };

  async function create(spec: SandboxSpec): Promise<Sandbox> {
    validateSpec(spec);
    if (!statSync(spec.workspaceDir).isDirectory())
      throw new Error(`workspaceDir is not a folder: ${spec.workspaceDir}`);
    const limits = resolveLimits(options.defaultLimits, spec.limits);
    const emit = (event: SandboxEvent) => {
      try {
        spec.onEvent?.(event);
      } catch {
        // A failing listener must not break the sandbox.
      }
    };
    const ready = await available();
    if (!ready.ok) throw new Error(`bubblewrap sandbox unavailable: ${ready.reason} (${ready.remedy ?? ''})`);
    layout ??= detectCgroupLayout(cgroupRoot);
    swept ??= sweepLeftovers({ runDir, layout }).then((left) => {
      if (left.length)
        emit({
          type: 'warning',
          message: `removed ${left.length} leftovers of sandboxes of stopped processes`,
        });
    });
    await swept;

    const id = `${spec.taskId}-${randomBytes(4).toString('hex')}`;
    const dir = join(runDir, id);
    await mkdir(runDir, { recursive: true, mode: 0o711 });
    await mkdir(dir, { mode: 0o711 });
    await writeFile(join(dir, OWNER_FILE), String(process.pid), { mode: 0o644 });
    const cleanups: Array<() => Promise<unknown>> = [
      () => rmdir(dir),
      () => rm(join(dir, OWNER_FILE), { force: true }),
    ];
    const cleanup = async () => {
      for (const step of cleanups.reverse()) await step().catch(() => {});
    };

    let cgroup: SandboxCgroup | undefined;
    let proxy: EgressProxy | undefined;
    let bwrap: ChildProcess | undefined;
    try {
      const wsStage = join(dir, 'ws');
      await mkdir(wsStage);
      cleanups.push(() => rmdir(wsStage));
      const stage: Array<[string, string]> = [[spec.workspaceDir, wsStage]];
      const readOnlyBinds: Array<[string, string]> = [];
      for (const [index, path] of (spec.readOnlyPaths ?? []).entries()) {
        const target = join(dir, `ro-${index}`);
        if (statSync(path).isDirectory()) await mkdir(target);
        else await writeFile(target, '');
        cleanups.push(() => rm(target, { recursive: false, force: true }).catch(() => rmdir(target)));
        stage.push([path, target]);
        readOnlyBinds.push([target, path]);
      }
      const files: Array<[string, string]> = [];
      for (const [name, content] of Object.entries(sandboxEtcFiles(uid, gid))) {
        const file = join(dir, name);
        await writeFile(file, content, { mode: 0o644 });
        cleanups.push(() => rm(file, { force: true }));
        files.push([file, `/etc/${name}`]);
      }

      // Git refuses a repository owned by another uid, and the sandbox user must be able to edit it.
      await chownTree(spawner, spec.workspaceDir, uid, gid);

      const allowedHosts = spec.allowedHosts ?? [];
      let proxyDir: string | undefined;
      if (allowedHosts.length > 0) {
        proxyDir = join(dir, 'proxy');
        await mkdir(proxyDir, { mode: 0o700 });
        await chown(proxyDir, uid, gid);
        cleanups.push(() => rm(proxyDir ?? '', { recursive: true, force: true }));
        proxy = await startEgressProxy({
          socketPath: join(proxyDir, 'proxy.sock'),
          allowedHosts,
          allowPrivateRanges,
          onEvent: emit,
          socketOwner: { uid, gid },
        });
        const started = proxy;
        cleanups.push(() => started.close());
      }

      layout ??= detectCgroupLayout(cgroupRoot);
      const made = await createSandboxCgroup(layout, sandboxCgroupName(id), {
        memoryBytes: limits.memoryBytes,
        maxProcesses: limits.maxProcesses,
        cpus: limits.cpus,
      });
      if ('error' in made) {
        emit({
          type: 'warning',
          message: `no cgroup limits (memory, processes, cpu) and no tree kill: ${made.error}`,
        });
      } else {
        cgroup = made;
        const created = made;
        cleanups.push(() => created.remove());
        for (const message of made.warnings) emit({ type: 'warning', message });
      }

      const env = buildSandboxEnv(spec.env, proxy !== undefined);
      const bwrapArgs = buildBwrapArgs({
        uid,
        gid,
        workspaceSource: wsStage,
        readOnlyBinds,
        files,
        ...(proxyDir ? { proxyDirSource: proxyDir } : {}),
        env,
        tmpBytes: tmpfsBytes,
        homeBytes: tmpfsBytes,
        exists: existsSync,
      });
      const mainCommand = sandboxMainCommand(proxy !== undefined, existsSync('/usr/bin/socat'));
      const argv = sandboxLaunchArgv({
        cgroupFiles: cgroup?.joinFiles ?? [],
        stage,
        uid,
        gid,
        bwrapPath,
        argsFd: ARGS_FD,
        statusFd: STATUS_FD,
        command: mainCommand,
      });
      const child = spawn(argv[0] ?? '/bin/sh', argv.slice(1), {
        env: LAUNCHER_ENV,
        cwd: '/',
        stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
        // Its own session: a Ctrl-C at the server's terminal (SIGINT to its process group) must not
        // kill the sandbox; the server stops it itself, after a graceful drain.
        detached: true,
      });
      bwrap = child;
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4096);
      });
      child.stdio[ARGS_FD]?.on('error', () => {});
      (child.stdio[ARGS_FD] as NodeJS.WritableStream | null)?.end(Buffer.from(`${bwrapArgs.join('\0')}\0`));
      const childPid = await waitForChildPid(child, STATUS_FD, () => stderr, startTimeoutMs);
      if (!(await waitForMainCommand(childPid, `${mainCommand[0]}\0`, startTimeoutMs))) {
        throw new Error(`the sandbox did not start its main command: ${stderr.trim()}`);
      }
      if (proxy && !(await waitForForwarder(childPid, startTimeoutMs))) {
        throw new Error(`egress forwarder did not start in the sandbox: ${stderr.trim()}`);
      }

      const isRunning = () => child.exitCode === null && child.signalCode === null;
      const exited = new Promise<void>((resolve) => {
        if (!isRunning()) resolve();
        child.once('exit', () => resolve());
      });
      const context: SandboxProcessContext = {
        uid,
        gid,
        childPid,
        cgroup,
        env,
        limits,
        isRunning,
        diagnostics: () => stderr.trim(),
        spawner,
      };
      return createBubblewrapSandbox({
        id,
        context,
        emit,
        workspaceDir: spec.workspaceDir,
        async teardown() {
          // Kill the sandbox's init first: its pid namespace dies with it and bwrap reaps it. Killing
          // bwrap first would orphan the init to the host's PID 1, which may leave a zombie around.
          // (Only while it is still bwrap's child: after it exits its pid may belong to anyone.)
          const status = await readFile(`/proc/${childPid}/status`, 'utf8').catch(() => '');
          if (new RegExp(`^PPid:\\s+${child.pid}$`, 'm').test(status)) {
            try {
              process.kill(childPid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          }
          const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
          await cgroup?.killAll();
          await cleanup();
        },
      });
    } catch (error) {
      bwrap?.kill('SIGKILL');
      await cleanup();
      throw error;
    }
  }

  return {
    kind: 'bubblewrap',
    available,
    create,
  };
}
