import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { readBounds, resolveLimits, validateEnv, validateSpec } from '../limits.ts';
import { type RunningProcess, runProcess } from '../run-process.ts';
import {
  type ExecResult,
  FILE_TIMEOUT_MS,
  type Sandbox,
  type SandboxBackend,
  type SandboxEvent,
  type SandboxLimits,
} from '../sandbox.ts';
import { fileErrors } from '../sandbox-file-error.ts';
import { hostFileError, readLocalFile, writeLocalFile } from './files.ts';

/** Options of {@link createLocalBackend}. */
export interface LocalBackendOptions {
  /** Receives the loud "no isolation" warning when the backend is created. */
  log: (message: string) => void;
  /** PATH given to commands. Default: the usual system folders. */
  path?: string;
  /** Where private home folders are created. Default: the OS temp folder. */
  tempDir?: string;
  defaultLimits?: SandboxLimits;
}

const WARNING =
  'LOCAL SANDBOX BACKEND: commands run directly on this host with NO isolation (no namespaces, no ' +
  'network policy, no memory/process/disk limits). Use it for development with trusted tasks only.';

/** Whether `child` is `parent` or inside it. */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * A backend without isolation, for development only: commands run on the host with `/bin/bash -c`
 * in the workspace folder, with an environment built from scratch and a private temp home. Only
 * the wall time, the output cap and tree kills (by process group) are enforced. It must be picked
 * explicitly; it logs a warning when created and emits a `warning` event for every sandbox.
 */
export function createLocalBackend(options: LocalBackendOptions): SandboxBackend {
  options.log(WARNING);
  const path = options.path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

  return {
    kind: 'local',
    available: async () => ({ ok: true }),
    async create(spec) {
      validateSpec(spec);
      const limits = resolveLimits(options.defaultLimits, spec.limits);
      const emit = (event: SandboxEvent) => {
        try {
          spec.onEvent?.(event);
        } catch {
          // A failing listener must not break the sandbox.
        }
      };
      emit({ type: 'warning', message: WARNING });
      if (spec.allowedHosts && spec.allowedHosts.length > 0) {
        emit({
          type: 'warning',
          message: 'local backend: allowedHosts is not enforced, the host network is open',
        });
      }
      const workspace = await realpath(spec.workspaceDir);
      const home = await mkdtemp(join(options.tempDir ?? tmpdir(), 'abca-local-home-'));
      const baseEnv = { PATH: path, HOME: home, LANG: 'C.UTF-8', TMPDIR: home, ...spec.env };
      const running = new Set<RunningProcess>();
      let stopping: Promise<void> | undefined;

      // Relative paths resolve against the workspace; every path must stay inside the workspace (or
      // home) after symlinks are resolved, or a command could point the host at its own secrets.
      // Refused before anything at the path is looked at (a symlink to /dev/zero is outside).
      const check = (path: string, real: string) => {
        if (!isInside(workspace, real) && !isInside(home, real))
          throw fileErrors.failed(path, 'path outside the workspace');
      };
      const readPath = async (path: string) => {
        const real = await realpath(resolve(workspace, path)).catch((error) => {
          throw hostFileError(path, error);
        });
        check(path, real);
        return real;
      };
      const writePath = async (path: string) => {
        const target = resolve(workspace, path);
        check(path, target);
        try {
          await mkdir(dirname(target), { recursive: true });
          const parent = await realpath(dirname(target));
          check(path, parent);
          return join(parent, basename(target));
        } catch (error) {
          throw hostFileError(path, error, 'write');
        }
      };

      const sandbox: Sandbox = {
        id: `${spec.taskId}-${randomBytes(4).toString('hex')}`,
        kind: 'local',
        workspacePath: workspace,
        async exec(command, execOptions = {}): Promise<ExecResult> {
          if (stopping) throw new Error('sandbox is stopped');
          if (execOptions.env) validateEnv(execOptions.env);
          const cwd = resolve(workspace, execOptions.cwd ?? '.');
          const child = spawn('/bin/bash', ['-c', command], {
            cwd,
            env: { ...baseEnv, ...execOptions.env },
            detached: true,
            stdio: 'pipe',
          });
          const killTree = async () => {
            try {
              if (child.pid) process.kill(-child.pid, 'SIGKILL');
            } catch {
              // The group is already gone.
            }
          };
          const run = runProcess(child, {
            ...(execOptions.stdin !== undefined ? { stdin: execOptions.stdin } : {}),
            timeoutMs: execOptions.timeoutMs ?? limits.commandTimeoutMs,
            maxOutputBytes: execOptions.maxOutputBytes ?? limits.maxOutputBytes,
            ...(execOptions.signal ? { signal: execOptions.signal } : {}),
            ...(execOptions.onOutput ? { onOutput: execOptions.onOutput } : {}),
            killTree,
          });
          running.add(run);
          try {
            const { reason, ...result } = await run.result;
            // Nothing a command started outlives it (as in the isolated backends).
            await killTree();
            if (reason === 'stopped') return { ...result, killed: 'cancelled' };
            if (reason) return { ...result, killed: reason };
            return result;
          } finally {
            running.delete(run);
          }
        },
        async readFile(path, readOptions = {}) {
          if (stopping) throw new Error('sandbox is stopped');
          const { maxBytes, timeoutMs } = readBounds(readOptions, limits);
          return readLocalFile(await readPath(path), path, maxBytes, timeoutMs);
        },
        async writeFile(path, content) {
          if (stopping) throw new Error('sandbox is stopped');
          return writeLocalFile(await writePath(path), path, content, FILE_TIMEOUT_MS);
        },
        stop() {
          stopping ??= (async () => {
            for (const run of running) run.kill('stopped');
            await Promise.allSettled([...running].map((run) => run.result));
            await rm(home, { recursive: true, force: true });
          })();
          return stopping;
        },
      };
      return sandbox;
    },
  };
}
