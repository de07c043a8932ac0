import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** How a process is started: always with three pipes, an explicit environment, maybe its own session. */
export interface SpawnOptions {
  cwd?: string;
  /** The whole environment of the process (`PATH` in it is where `file` is looked up). */
  env: NodeJS.ProcessEnv;
  /** Its own session and process group (`setsid`), as `child_process.spawn`'s `detached`. */
  detached?: boolean;
  /**
   * With `detached`: the process's group ends when the platform does (a SIGKILL of it included),
   * however long it would run: SIGTERM when the platform goes, SIGKILL 5 s later. A spawner in the
   * platform's own process cannot outlive it and does nothing more (the platform's own stop ends
   * the groups it started).
   */
  endsWithPlatform?: boolean;
}

type ExitListener = (code: number | null, signal: NodeJS.Signals | null) => void;

/**
 * A started process, as much of `child_process.ChildProcess` as the platform uses: a real
 * `ChildProcess` is one. `pid` is known once `spawn` was emitted (at once for a direct spawn);
 * `exit` may come before the output streams end, `close` comes after both.
 */
export interface SpawnedProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Signals the process (not its group); false when it is gone or was never started. */
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'spawn', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'exit' | 'close', listener: ExitListener): this;
  once(event: 'spawn', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  once(event: 'exit' | 'close', listener: ExitListener): this;
}

/**
 * Starts host processes. The port exists because of what a start costs: `fork()` copies the
 * page tables of the process that calls it, so a start from a platform process of 150-200 MB of
 * memory takes 10-13 ms of its CPU and blocks its event loop as long (2.4 ms from a bare Node
 * process on the same machine). {@link createHelperSpawner} starts them from a small helper
 * process; {@link directSpawner} from this one.
 */
export interface Spawner {
  spawn(file: string, args: readonly string[], options: SpawnOptions): SpawnedProcess;
}

/** `child_process.spawn` in this process. */
export const directSpawner: Spawner = {
  spawn: (file, args, options) =>
    spawn(file, args, {
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env: options.env,
      ...(options.detached ? { detached: true } : {}),
      stdio: 'pipe',
    }),
};
