/** One figure of a benchmark, next to the baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
}

export function withBaseline(
  name: string,
  value: number,
  unit: string,
  baselineName: string,
  baselineValue: number,
): BenchResult {
  return {
    name,
    value,
    unit,
    baseline: { name: baselineName, value: baselineValue },
    ratio: value / baselineValue,
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `fn` `total` times with `concurrency` in flight; returns operations per second. */
export async function throughput(
  total: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

export function printTable(title: string, results: BenchResult[]): void {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  console.log(`\n${title}`);
  for (const r of results) {
    const base = r.baseline
      ? `  vs ${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}  (ratio ${r.ratio?.toFixed(2)})`
      : '';
    console.log(`  ${r.name}: ${fmt(r.value)} ${r.unit}${base}`);
  }
}
