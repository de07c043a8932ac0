import { StringDecoder } from 'node:string_decoder';
import { OutputBuffer } from './output-buffer.ts';
import type { ExecOptions, ExecResult } from './sandbox.ts';
import type { SpawnedProcess } from './spawner/spawner.ts';

/** Why the runner killed a command (a subset of {@link ExecResult.killed} plus the sandbox's own). */
export type KillReason = NonNullable<ExecResult['killed']> | 'stopped';

/**
 * How long stdout/stderr may stay open after the main process exited before what still holds them
 * (a background child) is killed.
 */
const STREAM_GRACE_MS = 200;
/**
 * After that kill, how long the output still on its way may take to arrive: what the command wrote
 * before it ended can still be in a pipe, or behind in the process helper's relay on a busy machine.
 */
const STREAM_DRAIN_MS = 10_000;

export interface RunProcessOptions {
  stdin?: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  onOutput?: ExecOptions['onOutput'];
  /** Kills the command's whole process tree (background children included). */
  killTree: () => Promise<void>;
  /** {@link STREAM_GRACE_MS} and {@link STREAM_DRAIN_MS}, unless given (tests). */
  streamGraceMs?: number;
  streamDrainMs?: number;
}

/** A running command: its result, and a way for the sandbox to kill it (e.g. at `stop`). */
export interface RunningProcess {
  result: Promise<ExecResult & { reason?: KillReason }>;
  kill(reason: KillReason): void;
}

/**
 * Supervises a spawned command: feeds stdin, captures output under the cap, enforces the wall
 * time and the abort signal by killing the process tree, and never rejects for a failing command.
 * A background child that keeps stdout open does not hold the result back: after the main process
 * exits the streams get {@link STREAM_GRACE_MS} to close, then the tree is killed and its output
 * read to the end. Nothing the command wrote is lost however late it arrives (an `exit` can come
 * before the last output: the process helper relays both, and pauses output while it is behind),
 * up to {@link STREAM_DRAIN_MS} more for streams that something outside the tree still holds.
 */
export function runProcess(child: SpawnedProcess, options: RunProcessOptions): RunningProcess {
  const started = performance.now();
  const output = new OutputBuffer(options.maxOutputBytes);
  let reason: KillReason | undefined;
  let killing: Promise<void> | undefined;

  const kill = (why: KillReason) => {
    if (reason) return;
    reason = why;
    killing = options.killTree().catch(() => {});
  };

  const result = new Promise<ExecResult & { reason?: KillReason }>((resolve, reject) => {
    let exit: { code: number | null } | undefined;
    let open = 2;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
    const onAbort = () => kill('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      const done = () =>
        resolve({
          exitCode: exit?.code ?? null,
          stdout: output.text('stdout'),
          stderr: output.text('stderr'),
          truncated: output.truncated,
          durationMs: Math.round(performance.now() - started),
          ...(reason ? { reason } : {}),
        });
      // Make sure the tree is gone before reporting a kill.
      if (killing) killing.then(done, done);
      else done();
    };

    // The live view gets the output past the cap too (a long test run keeps showing its tail);
    // it is handed on chunk by chunk, never kept here.
    const live = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const onData = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      output.push(stream, data);
      if (options.onOutput) {
        const text = live[stream].write(data);
        if (text) options.onOutput({ stream, data: text });
      }
      if (output.runaway) kill('output_limit');
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const onStreamEnd = () => {
      open -= 1;
      if (open === 0) finish();
    };
    child.stdout.on('close', onStreamEnd);
    child.stderr.on('close', onStreamEnd);
    child.on('error', (error) => {
      if (exit) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('exit', (code) => {
      exit = { code };
      if (open === 0) return finish();
      grace = setTimeout(() => {
        // Only what the command left behind still holds the streams: it goes (as it would once the
        // result is in), not the output it wrote, which is read until the streams close.
        void options.killTree().catch(() => {});
        grace = setTimeout(finish, options.streamDrainMs ?? STREAM_DRAIN_MS);
      }, options.streamGraceMs ?? STREAM_GRACE_MS);
    });
    child.stdin.on('error', () => {
      // The command may exit without reading its stdin (EPIPE): not an error of the exec.
    });
    child.stdin.end(options.stdin ?? '');
    if (options.signal?.aborted) kill('cancelled');
  });

  return { result, kill };
}
