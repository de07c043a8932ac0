import { describe, expect, it } from 'vitest';
import { createWakeLoop } from './wake-loop.ts';

describe('the wake loop', () => {
  it('runs full passes again at once, looks again when woken mid-run, and stops', async () => {
    const passes: number[] = [];
    let release: (() => void) | undefined;
    let n = 0;
    const loop = createWakeLoop({
      async pass() {
        n += 1;
        passes.push(n);
        if (n === 3) await new Promise<void>((r) => (release = r));
        return n < 2; // the first pass is full: a second follows at once
      },
      nextDelayMs: async () => 60_000,
      retryMs: 60_000,
      onError: () => {},
    });
    loop.wake();
    await loop.idle();
    expect(passes).toEqual([1, 2]);
    loop.wake();
    while (!release) await new Promise((r) => setImmediate(r));
    loop.wake(); // during the run: one more pass once it ends
    release();
    await loop.idle();
    while (passes.length < 4) await new Promise((r) => setImmediate(r));
    await loop.idle();
    expect(passes).toEqual([1, 2, 3, 4]);
    await loop.stop();
    loop.wake();
    await loop.idle();
    expect(loop.stopped).toBe(true);
    expect(passes).toEqual([1, 2, 3, 4]);
  });

  it('reports a failed run and goes on at the next wake', async () => {
    const errors: unknown[] = [];
    let fail = true;
    let ran = 0;
    const loop = createWakeLoop({
      async pass() {
        ran += 1;
        if (fail) throw new Error('database gone');
        return false;
      },
      nextDelayMs: async () => 60_000,
      retryMs: 60_000,
      onError: (err) => errors.push(err),
    });
    loop.wake();
    await loop.idle();
    expect((errors[0] as Error).message).toBe('database gone');
    fail = false;
    loop.wake();
    await loop.idle();
    expect(ran).toBe(2);
    expect(errors).toHaveLength(1);
    await loop.stop();
  });
});
