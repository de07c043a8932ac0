import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runProcess } from './run-process.ts';
import type { SpawnedProcess } from './spawner/spawner.ts';

/**
 * A started process driven by the test: its exit and its output come in the order and at the
 * times the test chooses, as they can through the process helper (which relays `exit` as soon as
 * the child ends, and output as it reads it, pausing while it is behind).
 */
function scriptedProcess() {
  const events = new EventEmitter();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const child = Object.assign(events, {
    pid: 4242,
    stdin: new PassThrough(),
    stdout,
    stderr,
    kill: () => true,
  }) as unknown as SpawnedProcess;
  return {
    child,
    exit(code: number) {
      events.emit('exit', code, null);
    },
    write(text: string) {
      stdout.write(text);
    },
    /** The streams end (their last holder is gone). */
    end() {
      stdout.end();
      stderr.end();
      stdout.resume();
      stderr.resume();
    },
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Supervises `child` with a grace of 20 ms, counting the kills of its tree. */
function supervise(child: SpawnedProcess, streamDrainMs: number) {
  const counted = { kills: 0 };
  const run = runProcess(child, {
    timeoutMs: 30_000,
    maxOutputBytes: 1024,
    killTree: async () => {
      counted.kills += 1;
    },
    streamGraceMs: 20,
    streamDrainMs,
  });
  return { result: run.result, counted };
}

describe('runProcess', () => {
  it('keeps output that arrives after the exit and after the grace: the tree is killed, the output read to its end', async () => {
    const p = scriptedProcess();
    const run = supervise(p.child, 5_000);
    p.write('committed=1\n');
    p.exit(0);
    // Later than the grace: a relay that was behind.
    await wait(150);
    expect(run.counted.kills).toBe(1);
    p.write('head=0123456789abcdef0123456789abcdef01234567\n');
    p.end();
    const result = await run.result;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('committed=1\nhead=0123456789abcdef0123456789abcdef01234567\n');
    // The kill of what was left is not a kill of the command.
    expect(result.reason).toBeUndefined();
  });

  it('answers at once when the streams end with the exit, killing nothing', async () => {
    const p = scriptedProcess();
    const run = supervise(p.child, 5_000);
    p.write('done\n');
    p.end();
    await wait(10);
    p.exit(3);
    const result = await run.result;
    expect(result).toMatchObject({ exitCode: 3, stdout: 'done\n' });
    expect(run.counted.kills).toBe(0);
  });

  it('does not wait past the drain for streams that something outside the tree holds', async () => {
    const p = scriptedProcess();
    const run = supervise(p.child, 100);
    p.write('partial\n');
    p.exit(0);
    const started = performance.now();
    const result = await run.result;
    expect(result).toMatchObject({ exitCode: 0, stdout: 'partial\n' });
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
