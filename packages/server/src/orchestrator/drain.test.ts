import { describe, expect, it } from 'vitest';
import { createDrain } from './drain.ts';

describe('drain', () => {
  it('is settled once every tracked workflow ended or parked; a parked one never resumes here', async () => {
    const drain = createDrain();
    const a = drain.track('a');
    drain.track('b');
    expect(drain.active()).toBe(2);
    drain.start();
    expect(drain.signal.aborted).toBe(true);
    expect(drain.deadline.aborted).toBe(false);

    const settled = drain.settled(60_000);
    a.end();
    let resumed = false;
    void drain.park('b').then(() => {
      resumed = true;
    });
    expect(await settled).toBe(true);
    expect(drain.active()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false);
  });

  it('reports false when the time is up first; cut aborts both signals', async () => {
    const drain = createDrain();
    drain.track('slow');
    expect(await drain.settled(50)).toBe(false);
    drain.cut();
    expect(drain.signal.aborted).toBe(true);
    expect(drain.deadline.aborted).toBe(true);
  });

  it('with nothing running is settled at once', async () => {
    expect(await createDrain().settled(0)).toBe(true);
  });
});
