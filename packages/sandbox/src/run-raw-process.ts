import type { SpawnedProcess } from './spawner/spawner.ts';

/** Options of {@link runRawProcess}. */
export interface RawRunOptions {
  stdin?: string | Uint8Array;
  /** Wall time; the tree is killed when it is reached (`killed: 'timeout'`). */
  timeoutMs: number;
  /** Bytes of stdout kept; one more byte kills the tree (`killed: 'output_limit'`). */
  maxStdoutBytes: number;
  /** Bytes of stderr kept; one more byte kills the tree (`killed: 'output_limit'`). */
  maxStderrBytes: number;
  /** Kills the command's whole process tree. */
  killTree: () => Promise<void>;
}

/** Why {@link runRawProcess} killed the command; `stopped` comes from its owner (sandbox stop). */
export type RawKillReason = 'timeout' | 'output_limit' | 'stopped';

/** What a raw run collected: at most the caps of bytes, never decoded. */
export interface RawResult {
  /** Exit code, or null when the process was killed. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
  killed?: RawKillReason;
}

/** A raw run in progress: its result (never rejected for a failing command) and a way to kill it. */
export interface RawRun {
  result: Promise<RawResult>;
  kill(reason: RawKillReason): void;
}

/**
 * Supervises a spawned command whose output is bytes (a file's content) rather than text. Unlike
 * an exec, where output past the cap is counted and dropped, a raw run is killed at the first byte
 * over a cap and its pipes are closed at once: the host holds at most `maxStdoutBytes +
 * maxStderrBytes`, whatever the command does. A kill (cap, timeout, owner) resolves as soon as the
 * tree is killed, without waiting for a pipe a stray process might keep open.
 */
export function runRawProcess(child: SpawnedProcess, options: RawRunOptions): RawRun {
  let settle: ((result: RawResult) => void) | undefined;
  let reason: RawKillReason | undefined;
  const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const room = { stdout: options.maxStdoutBytes, stderr: options.maxStderrBytes };
  const collected = (): Pick<RawResult, 'stdout' | 'stderr'> => ({
    stdout: Buffer.concat(kept.stdout),
    stderr: Buffer.concat(kept.stderr),
  });

  const kill = (why: RawKillReason) => {
    if (reason || !settle) return;
    reason = why;
    child.stdout.destroy();
    child.stderr.destroy();
    const done = settle;
    const report = () => done({ exitCode: null, ...collected(), killed: why });
    options.killTree().then(report, report);
  };

  const result = new Promise<RawResult>((resolve, reject) => {
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
    settle = (value) => {
      clearTimeout(timer);
      settle = undefined;
      resolve(value);
    };
    const onData = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      if (reason) return;
      const slice = data.length <= room[stream] ? data : data.subarray(0, room[stream]);
      room[stream] -= slice.length;
      if (slice.length > 0) kept[stream].push(slice);
      if (slice.length < data.length) kill('output_limit');
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    child.on('error', (error) => {
      if (!settle) return;
      clearTimeout(timer);
      settle = undefined;
      reject(error);
    });
    child.on('close', (code) => {
      if (!reason) settle?.({ exitCode: code, ...collected() });
    });
    child.stdin.on('error', () => {
      // The command may exit (or be killed) without reading all of its stdin: not a failure here.
    });
    child.stdin.end(options.stdin ?? '');
  });
  return { result, kill };
}
