import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHostProcesses } from '../src/ops/host-processes.ts';
import { gone, marker, running } from './support/proc.ts';
import { until } from './support/until.ts';

/**
 * Host helpers of tasks run in their own process group with a time limit, and die with the
 * platform: a timeout, an abort, a stop and even a SIGKILL of the platform leave no process of them
 * behind, background children included.
 */
const ENV = { PATH: '/usr/bin:/bin' };

/** A shell (sh: bash would read /root/.bashrc with a socket for stdin) that leaves a background sleep behind, then sleeps itself. */
const tree = (mark: string) => ['sh', '-c', `sleep ${mark} & sleep ${mark}; wait`];

/**
 * Waits for the helper's two sleeps (a loaded machine may take many seconds to start a platform).
 * Counted by name: the stand-in platform's own command line holds the mark too, and so, for a
 * moment, does each process it forks before that one execs (its process helper, say).
 */
async function started(mark: string): Promise<void> {
  const until = Date.now() + 60_000;
  const sleeps = () => running(mark, 'sleep').length;
  while (sleeps() < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  expect(sleeps()).toBe(2);
}

describe('host processes', () => {
  it('takes stdin as a stream the caller writes as the process answers', async () => {
    const p = createHostProcesses();
    const stdin = new PassThrough();
    stdin.write('first\n');
    let seen = '';
    const res = await p.run(['sh', '-c', 'read a; echo "got $a"; read b; echo "got $b"'], {
      env: ENV,
      timeoutMs: 10_000,
      maxStdoutBytes: 1024,
      stdin,
      onStdout: (chunk) => {
        seen += chunk.toString();
        // The second line goes only once the first was answered.
        if (seen === 'got first\n') stdin.end('second\n');
      },
    });
    expect(res.code).toBe(0);
    expect(seen).toBe('got first\ngot second\n');
  });

  it('returns output and exit code, and keeps no process of the group once it ends', async () => {
    const p = createHostProcesses();
    const res = await p.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
      env: ENV,
      timeoutMs: 10_000,
      maxStdoutBytes: 1024,
    });
    expect(res).toMatchObject({ code: 3, stderr: 'err\n', truncated: false });
    expect(res.stdout.toString()).toBe('out\n');
    const mark = marker();
    // The main process exits at once; its background child (holding the output pipes) is killed
    // with the group then, not when a time limit runs out.
    const left = await p.run(['sh', '-c', `(sleep ${mark} &) ; exit 0`], {
      env: ENV,
      timeoutMs: 10_000,
      maxStdoutBytes: 1024,
    });
    expect(left).toMatchObject({ code: 0 });
    expect(left.killed).toBeUndefined();
    expect(await gone(mark, 2_000)).toBe(true);
  });

  it('kills the whole group at its time limit', async () => {
    const p = createHostProcesses();
    const mark = marker();
    const t0 = performance.now();
    const res = await p.run(tree(mark), { env: ENV, timeoutMs: 500, maxStdoutBytes: 1024 });
    expect(res.killed).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(8_000);
    expect(await gone(mark, 2_000)).toBe(true);
  });

  it('kills the group when aborted, and when the platform stops', async () => {
    const p = createHostProcesses();
    const mark = marker();
    const ac = new AbortController();
    const run = p.run(tree(mark), { env: ENV, timeoutMs: 600_000, maxStdoutBytes: 1024, signal: ac.signal });
    await started(mark);
    ac.abort();
    expect((await run).killed).toBe('cancelled');
    expect(await gone(mark, 2_000)).toBe(true);

    const mark2 = marker();
    const second = p.run(tree(mark2), { env: ENV, timeoutMs: 600_000, maxStdoutBytes: 1024 });
    await started(mark2);
    // Its pid is known once the process helper's answer arrived, which on a loaded machine can come
    // after the sleeps it started are already running.
    await until('the group to be listed', () => p.running().length === 1, 30_000);
    p.stopAll();
    expect((await second).killed).toBe('stopped');
    expect(await gone(mark2, 2_000)).toBe(true);
    await expect(p.run(['true'], { env: ENV, timeoutMs: 1000, maxStdoutBytes: 10 })).rejects.toThrow(
      /stopping/,
    );
  });

  it('stops at the output cap: killed as a failure, or cut where the caller wanted', async () => {
    const p = createHostProcesses();
    const killed = await p.run(['yes'], { env: ENV, timeoutMs: 60_000, maxStdoutBytes: 100_000 });
    expect(killed).toMatchObject({ killed: 'output_limit', truncated: true });
    expect(killed.stdout.length).toBe(100_000);
    const cut = await p.run(['yes'], {
      env: ENV,
      timeoutMs: 60_000,
      maxStdoutBytes: 10,
      overflow: 'truncate',
    });
    expect(cut.killed).toBeUndefined();
    expect(cut.stdout.toString()).toBe('y\ny\ny\ny\ny\n');
  });

  it('leaves nothing behind when the platform process is SIGKILLed', async () => {
    const mark = marker();
    const script = fileURLToPath(new URL('./support/host-process-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, mark], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await started(mark);
    child.kill('SIGKILL');
    // Its process helper sees its channel close and exits; the parent-death signal ends the rest.
    expect(await gone(mark, 15_000)).toBe(true);
  }, 120_000);
});
