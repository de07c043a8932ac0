import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../src/orchestrator/group-commit.ts';

/** Group commit (orchestrator/group-commit.ts), with a fake store that records its calls. */
function recorder(opts: { maxGroup?: number; maxInFlight?: number; bad?: (n: number) => boolean } = {}) {
  const groups: number[][] = [];
  const alone: number[] = [];
  let inFlight = 0;
  let maxSeen = 0;
  const gate: { open?: () => void } = {};
  let held: Promise<void> | undefined;
  const commit = createGroupCommit<number, string>({
    maxGroup: opts.maxGroup ?? 64,
    maxInFlight: opts.maxInFlight ?? 1,
    run: async (items) => {
      groups.push(items);
      inFlight += 1;
      maxSeen = Math.max(maxSeen, inFlight);
      try {
        if (held) await held;
        if (items.some((n) => opts.bad?.(n))) throw new Error('the group failed');
        return items.map((n) => `done ${n}`);
      } finally {
        inFlight -= 1;
      }
    },
    runAlone: async (n) => {
      alone.push(n);
      if (opts.bad?.(n)) throw new Error(`item ${n} is bad`);
      return `alone ${n}`;
    },
  });
  return {
    commit,
    groups,
    alone,
    maxInFlight: () => maxSeen,
    hold() {
      held = new Promise<void>((resolve) => {
        gate.open = resolve;
      });
    },
    release() {
      held = undefined;
      gate.open?.();
    },
  };
}

describe('group commit', () => {
  it('sends what is submitted in one turn of the event loop as one group, answers in order', async () => {
    const r = recorder();
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => r.commit.submit(n)));
    expect(r.groups).toEqual([[1, 2, 3, 4, 5]]);
    expect(answers).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('gathers what comes while a group is on its way into the next, within maxGroup and maxInFlight', async () => {
    const r = recorder({ maxGroup: 3, maxInFlight: 1 });
    r.hold();
    const first = r.commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.groups).toEqual([[1]]);
    const later = [2, 3, 4, 5, 6, 7, 8].map((n) => r.commit.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing more goes while the first group is held.
    expect(r.groups).toEqual([[1]]);
    r.release();
    const answers = await Promise.all([first, ...later]);
    expect(r.groups).toEqual([[1], [2, 3, 4], [5, 6, 7], [8]]);
    expect(answers).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `done ${n}`));
    expect(r.maxInFlight()).toBe(1);
  });

  it('keeps at most maxInFlight groups on their way', async () => {
    const r = recorder({ maxGroup: 2, maxInFlight: 2 });
    r.hold();
    const all = [1, 2, 3, 4, 5, 6].map((n) => r.commit.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.groups).toEqual([
      [1, 2],
      [3, 4],
    ]);
    r.release();
    await Promise.all(all);
    expect(r.groups).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(r.maxInFlight()).toBe(2);
  });

  it('a failing group is made again item by item, in order: the bad item fails alone', async () => {
    const r = recorder({ bad: (n) => n === 3 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => r.commit.submit(n)));
    expect(r.groups).toEqual([[1, 2, 3, 4]]);
    expect(r.alone).toEqual([1, 2, 3, 4]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'alone 1',
      'alone 2',
      'item 3 is bad',
      'alone 4',
    ]);
    // The next group goes on as usual.
    expect(await r.commit.submit(5)).toBe('done 5');
  });
});
