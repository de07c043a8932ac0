import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * An idle platform sleeps: it wakes for its own backstops and DBOS's polls (about twenty timers a
 * second, most of them the `pg` pools' idle timers), not in a busy loop. DBOS's notifier, at its
 * default, set a 10 ms timer over and over (a hundred a second) to flush wake-ups ABCA never makes
 * (orchestrator/engine.ts, `DBOS_NOTIFIER_MS`): half of an idle platform's CPU, in every process.
 * Timers are counted, not CPU time, so a loaded machine cannot fail or pass this by chance.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});

afterAll(async () => {
  await p?.platform.stop();
});

it('an idle platform sets few timers a second', async () => {
  // Settled: the start's own work (migrations, recovery, the first polls) is over.
  await new Promise((r) => setTimeout(r, 1000));
  const real = globalThis.setTimeout;
  const byDelay = new Map<number, number>();
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const d = Math.round(ms ?? 0);
    byDelay.set(d, (byDelay.get(d) ?? 0) + 1);
    return real(fn, ms, ...rest);
  }) as typeof setTimeout;
  const seconds = 3;
  try {
    await new Promise((r) => real(r, seconds * 1000));
  } finally {
    globalThis.setTimeout = real;
  }
  const total = [...byDelay.values()].reduce((a, b) => a + b, 0);
  const shown = JSON.stringify(Object.fromEntries(byDelay));
  // A 10 ms loop alone would set some 300 in these three seconds.
  expect(byDelay.get(10) ?? 0, `timers set, by delay in ms: ${shown}`).toBeLessThan(20);
  expect(total / seconds, `timers set, by delay in ms: ${shown}`).toBeLessThan(50);
});
