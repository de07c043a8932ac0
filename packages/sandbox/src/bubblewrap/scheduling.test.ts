import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../contract.ts';
import { schedulingOf } from './scheduling.ts';

const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
afterAll(() => {
  sleeper.kill('SIGKILL');
});
const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.[0];

describe("the kernel's scheduling counts of a set of threads", () => {
  it('stay the same while a thread sleeps, and move once it ran', async () => {
    const pid = sleeper.pid as number;
    await waitFor(() => stateOf(pid) === 'S', 10_000, 'sleep to sleep');
    const first = await schedulingOf([pid]);
    expect(first).toMatch(new RegExp(`^${pid}:\\d+/\\d+/\\d+/\\d+$`));
    await new Promise((r) => setTimeout(r, 50));
    expect(await schedulingOf([pid])).toBe(first);
    // Stopped and continued: it ran (to stop, and again), and sleeps again.
    process.kill(pid, 'SIGSTOP');
    await waitFor(() => stateOf(pid) === 'T', 10_000, 'sleep to stop');
    process.kill(pid, 'SIGCONT');
    await waitFor(() => stateOf(pid) === 'S', 10_000, 'sleep to sleep again');
    expect(await schedulingOf([pid])).not.toBe(first);
  });

  it('gives nothing for a running thread, a thread gone, or no thread at all', async () => {
    // A busy loop is always running or ready to run (state R). (Not this process: its counts are
    // read on libuv's threads while its main thread may be waiting, state S.)
    const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    try {
      const pid = busy.pid as number;
      await waitFor(() => stateOf(pid) === 'R', 10_000, 'the loop to run');
      expect(await schedulingOf([pid])).toBeUndefined();
    } finally {
      busy.kill('SIGKILL');
    }
    expect(await schedulingOf([2 ** 22 + 1])).toBeUndefined();
    expect(await schedulingOf([])).toBeUndefined();
  });
});
