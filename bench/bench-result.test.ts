import { describe, expect, it } from 'vitest';
import { formatResult, fromRuns, paired, summarize } from './bench-result.ts';

describe('bench results', () => {
  it('takes the median and the spread of the runs', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, spread: { runs: 3, min: 1, max: 5 } });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect(() => summarize([])).toThrow(/no runs/);
  });

  it('pairs a figure with its baseline run by run', async () => {
    const figures = [10, 30, 20];
    const bases = [5, 10, 5];
    const order: string[] = [];
    const r = await paired(
      3,
      'task',
      'ms',
      async (i) => {
        order.push(`f${i}`);
        return figures[i] as number;
      },
      'floor',
      async (i) => {
        order.push(`b${i}`);
        return bases[i] as number;
      },
    );
    expect(order).toEqual(['b0', 'f0', 'b1', 'f1', 'b2', 'f2']);
    expect(r.value).toBe(20);
    expect(r.baseline).toEqual({ name: 'floor', value: 5, spread: { runs: 3, min: 5, max: 10 } });
    expect(r.ratio).toBe(4);
    expect(r.ratioSpread).toEqual({ runs: 3, min: 2, max: 4 });
  });

  it('prints the spread next to the median', () => {
    const line = formatResult(fromRuns('p95', [12, 10, 14], 'ms', { name: 'bare', values: [2, 2, 2] }));
    expect(line).toBe(
      '  p95: 12.0 [10.0–14.0, n=3] ms  vs bare: 2.00 [2.00–2.00, n=3] ms  (ratio 6.00 [5.00–7.00, n=3])',
    );
    expect(formatResult(fromRuns('one', [3], 's'))).toBe('  one: 3.00 s');
  });
});
