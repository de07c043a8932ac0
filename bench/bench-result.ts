/**
 * One figure of a benchmark, next to the baseline measured in the same run. A figure measured
 * several times is the median of its runs and carries its spread (min–max): these machines are
 * noisy, and a single run says little.
 */
export interface Spread {
  runs: number;
  min: number;
  max: number;
}

export interface BenchResult {
  name: string;
  /** The median of the runs (or the one value measured). */
  value: number;
  unit: string;
  spread?: Spread;
  baseline?: { name: string; value: number; spread?: Spread };
  /** value / baseline.value (medians) */
  ratio?: number;
  /** The ratio's spread over the runs, when figure and baseline were measured in pairs. */
  ratioSpread?: Spread;
}

/** Median, min and max of some runs. */
export function summarize(values: number[]): { median: number; spread: Spread } {
  if (values.length === 0) throw new Error('no runs to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    median,
    spread: { runs: sorted.length, min: sorted[0] as number, max: sorted[sorted.length - 1] as number },
  };
}

/** Runs `fn` `runs` times one after another; each run answers its figure. */
export async function repeat(runs: number, fn: (run: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/**
 * Runs `figure` and `baseline` alternately `runs` times (so load on the machine falls on both
 * alike) and answers the figure's median next to the baseline's, with both spreads and the spread
 * of the per-run ratio.
 */
export async function paired(
  runs: number,
  name: string,
  unit: string,
  figure: (run: number) => Promise<number>,
  baselineName: string,
  baseline: (run: number) => Promise<number>,
): Promise<BenchResult> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(await baseline(i));
    a.push(await figure(i));
  }
  return fromRuns(name, a, unit, { name: baselineName, values: b });
}

/** A figure from its runs, optionally next to a baseline's runs (paired run by run when both have as many). */
export function fromRuns(
  name: string,
  values: number[],
  unit: string,
  baseline?: { name: string; values: number[] },
): BenchResult {
  const fig = summarize(values);
  const out: BenchResult = { name, value: fig.median, unit, spread: fig.spread };
  if (!baseline) return out;
  const base = summarize(baseline.values);
  out.baseline = { name: baseline.name, value: base.median, spread: base.spread };
  out.ratio = fig.median / base.median;
  if (baseline.values.length === values.length && values.length > 1) {
    out.ratioSpread = summarize(values.map((v, i) => v / (baseline.values[i] as number))).spread;
  }
  return out;
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

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const range = (s: Spread | undefined, f: (v: number) => string = fmt) =>
  s && s.runs > 1 ? ` [${f(s.min)}–${f(s.max)}, n=${s.runs}]` : '';

/** One line per figure: `name: median [min–max, n=runs] unit  vs baseline: ... (ratio r [min–max])`. */
export function formatResult(r: BenchResult): string {
  const base = r.baseline
    ? `  vs ${r.baseline.name}: ${fmt(r.baseline.value)}${range(r.baseline.spread)} ${r.unit}  (ratio ${r.ratio?.toFixed(2)}${range(r.ratioSpread, (v) => v.toFixed(2))})`
    : '';
  return `  ${r.name}: ${fmt(r.value)}${range(r.spread)} ${r.unit}${base}`;
}

export function printTable(title: string, results: BenchResult[]): void {
  console.log(`\n${title}`);
  for (const r of results) console.log(formatResult(r));
}
