import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runRawProcess } from './run-raw-process.ts';

interface StartOptions {
  stdout?: number;
  stderr?: number;
  timeoutMs?: number;
  /** Whether killTree misses the children, as it does when a sandbox has no cgroup. */
  killMainOnly?: boolean;
}

/** Runs `script` with `sh -c` in its own process group, killed as a group like a sandbox tree. */
function start(script: string, options: StartOptions = {}) {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'pipe' });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const started = performance.now();
  const run = runRawProcess(child, {
    timeoutMs: options.timeoutMs ?? 20_000,
    maxStdoutBytes: options.stdout ?? 1000,
    maxStderrBytes: options.stderr ?? 1000,
    killTree: async () => (options.killMainOnly ? void child.kill('SIGKILL') : killGroup()),
  });
  return { run, killGroup, elapsed: () => performance.now() - started };
}

describe('runRawProcess', () => {
  it('collects raw bytes, binary included, with the exit code', async () => {
    const { run } = start("printf 'a\\000b'; printf oops >&2; exit 3");
    const result = await run.result;
    expect(result).toMatchObject({ exitCode: 3 });
    expect([...result.stdout]).toEqual([0x61, 0, 0x62]);
    expect(result.stderr.toString()).toBe('oops');
    expect(result.killed).toBeUndefined();
  });

  it('passes stdin through, binary-safe', async () => {
    const child = spawn('/bin/sh', ['-c', 'cat'], { stdio: 'pipe' });
    const run = runRawProcess(child, {
      stdin: Uint8Array.from([0, 255, 10]),
      timeoutMs: 20_000,
      maxStdoutBytes: 10,
      maxStderrBytes: 10,
      killTree: async () => void child.kill('SIGKILL'),
    });
    expect([...(await run.result).stdout]).toEqual([0, 255, 10]);
  });

  it('kills an endless stdout at the first byte over its cap, keeping exactly the cap', async () => {
    const { run, elapsed } = start('cat /dev/zero', { stdout: 5000 });
    const result = await run.result;
    expect(result.killed).toBe('output_limit');
    expect(result.stdout.length).toBe(5000);
    expect(elapsed()).toBeLessThan(5000);
  });

  it('kills an endless stderr the same way', async () => {
    const { run, elapsed } = start('cat /dev/zero >&2', { stderr: 700 });
    const result = await run.result;
    expect(result.killed).toBe('output_limit');
    expect(result.stderr.length).toBe(700);
    expect(elapsed()).toBeLessThan(5000);
  });

  it('answers at the timeout even when a process the kill missed keeps the pipes open', async () => {
    const { run, killGroup, elapsed } = start('sleep 30 & echo started; exec sleep 30', {
      timeoutMs: 300,
      killMainOnly: true,
    });
    try {
      const result = await run.result;
      expect(result).toMatchObject({ killed: 'timeout', exitCode: null });
      expect(result.stdout.toString()).toBe('started\n');
      expect(elapsed()).toBeLessThan(5000);
    } finally {
      killGroup();
    }
  });

  it('is killed by its owner', async () => {
    const { run } = start('echo ready; exec sleep 30');
    run.kill('stopped');
    expect((await run.result).killed).toBe('stopped');
  });
});
