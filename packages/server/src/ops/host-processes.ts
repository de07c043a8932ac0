import type { Readable } from 'node:stream';
import { type SpawnedProcess, type Spawner, sharedSpawner } from '@abca/sandbox';

/** What one host helper (git, rm, ...) is allowed: its time, its output, its environment. */
export interface HostProcessOptions {
  /** Working folder; a host-owned one (never a folder a sandbox has written). */
  cwd?: string;
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** Wall time in ms; the process group gets SIGTERM at the limit and SIGKILL 5 s later. */
  timeoutMs: number;
  /** Aborting kills the process group at once. */
  signal?: AbortSignal;
  /**
   * Bytes of stdout kept. Past them the group is killed: as a failure (`overflow: 'kill'`, the
   * default: `killed: 'output_limit'`) or, with `'truncate'`, as the end of what was wanted.
   */
  maxStdoutBytes: number;
  overflow?: 'kill' | 'truncate';
  /** Given, stdout goes here as it arrives and is not kept (a scan of long output in constant memory). */
  onStdout?: (chunk: Buffer) => void;
  /** Bytes of stderr kept (the tail is what explains a failure); default 64 KiB. */
  maxStderrBytes?: number;
  /**
   * What the process reads: all of it at once, or a stream the caller writes as the conversation
   * goes (a helper that must answer before it is sent the rest) and ends.
   */
  stdin?: string | Buffer | Readable;
}

export interface HostProcessResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last {@link HostProcessOptions.maxStderrBytes} bytes of stderr. */
  stderr: string;
  /** More stdout came than was kept (and the group was killed there). */
  truncated: boolean;
  /** Why the platform ended it, when it did. */
  killed?: 'timeout' | 'output_limit' | 'cancelled' | 'stopped';
}

/**
 * Host helpers started for tasks, each in its own process group (`setsid`) under a time limit:
 * SIGTERM to the group at the limit, SIGKILL 5 s later. No helper of a task outlives the platform:
 * the process helper that starts them ends their groups when the platform goes (a SIGKILL of it
 * included: see the spawner's `endsWithPlatform`), and each runs as `setpriv --pdeathsig TERM
 * <argv>`, so a process helper killed outright still takes the group's leader with it.
 *
 * (The limit was kept by `timeout -k 5 <limit>` in the chain; it cost every host process one more
 * program start and a fork, about 15 % of what starting a `git` costs here.)
 */
export interface HostProcesses {
  run(argv: string[], opts: HostProcessOptions): Promise<HostProcessResult>;
  /** Kills every running group (the platform is stopping) and refuses new runs. */
  stopAll(): void;
  /** Process group ids of the helpers running now (for tests and diagnostics). */
  running(): number[];
}

/** After the limit's SIGTERM, what is left of the group gets SIGKILL this much later. */
const KILL_AFTER_MS = 5000;
const DEFAULT_STDERR = 64 * 1024;

/**
 * `spawner` starts the processes: by default the process's helper ({@link sharedSpawner}), so a
 * start does not fork the platform's own large process.
 */
export function createHostProcesses(deps: { spawner?: Spawner } = {}): HostProcesses {
  const spawner = deps.spawner ?? sharedSpawner();
  const groups = new Set<{ child: SpawnedProcess; kill: (why: 'stopped') => void }>();
  let stopped = false;

  return {
    running: () => [...groups].flatMap((g) => (g.child.pid ? [g.child.pid] : [])),
    stopAll() {
      stopped = true;
      for (const g of groups) g.kill('stopped');
    },
    run(argv, opts) {
      if (stopped) return Promise.reject(new Error('the platform is stopping: no new host process'));
      const child = spawner.spawn('setpriv', ['--pdeathsig', 'TERM', '--', ...argv], {
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
        env: opts.env,
        detached: true,
        endsWithPlatform: true,
      });
      // A kill asked for before the pid is known (a message after the start, from the helper).
      let killWanted: NodeJS.Signals | undefined;
      const maxErr = opts.maxStderrBytes ?? DEFAULT_STDERR;
      const out: Buffer[] = [];
      let outBytes = 0;
      let truncated = false;
      let err = Buffer.alloc(0);
      let killed: HostProcessResult['killed'];
      // The process leads its own group (pgid = its pid): killing -pid takes every helper.
      const killGroup = (sig: NodeJS.Signals = 'SIGKILL') => {
        const pid = child.pid;
        if (!pid) {
          killWanted = sig;
          return;
        }
        try {
          process.kill(-pid, sig);
        } catch {
          try {
            process.kill(pid, sig);
          } catch {
            // already gone
          }
        }
      };
      const kill = (why: NonNullable<HostProcessResult['killed']>) => {
        killed ??= why;
        killGroup();
      };
      const group = { child, kill };
      groups.add(group);
      if (!child.pid)
        child.once('spawn', () => {
          if (killWanted) killGroup(killWanted);
        });
      // The limit: SIGTERM (git removes its lock files), then SIGKILL for what is still there.
      let hard: NodeJS.Timeout | undefined;
      const limit = setTimeout(() => {
        killed ??= 'timeout';
        killGroup('SIGTERM');
        hard = setTimeout(() => killGroup('SIGKILL'), KILL_AFTER_MS);
      }, opts.timeoutMs);
      const clearLimit = () => {
        clearTimeout(limit);
        clearTimeout(hard);
      };
      const onAbort = () => kill('cancelled');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) kill('cancelled');

      child.stdout.on('data', (d: Buffer) => {
        if (opts.onStdout) return opts.onStdout(d);
        const room = opts.maxStdoutBytes - outBytes;
        if (d.length > room) {
          truncated = true;
          if (room > 0) out.push(d.subarray(0, room));
          outBytes = opts.maxStdoutBytes;
          if ((opts.overflow ?? 'kill') === 'kill') kill('output_limit');
          else killGroup();
          return;
        }
        out.push(d);
        outBytes += d.length;
      });
      child.stderr.on('data', (d: Buffer) => {
        err = Buffer.concat([err, d]);
        if (err.length > maxErr) err = err.subarray(err.length - maxErr);
      });
      child.stdin.on('error', () => {});
      const input = opts.stdin ?? '';
      if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
      else input.pipe(child.stdin);

      // The main process ended: what it left in its group (a background child holding the output
      // pipes open) goes now, so the answer does not wait for the limit.
      child.on('exit', () => killGroup());
      return new Promise((resolve, reject) => {
        child.on('error', (e) => {
          clearLimit();
          opts.signal?.removeEventListener('abort', onAbort);
          groups.delete(group);
          reject(e);
        });
        child.on('close', (code, signal) => {
          clearLimit();
          opts.signal?.removeEventListener('abort', onAbort);
          groups.delete(group);
          // Whatever the main process left in its group goes with it.
          killGroup();
          resolve({
            code,
            signal,
            stdout: Buffer.concat(out),
            stderr: err.toString('utf8'),
            truncated,
            ...(killed ? { killed } : {}),
          });
        });
      });
    },
  };
}
