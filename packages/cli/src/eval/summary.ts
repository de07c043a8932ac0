import type { EvalArmName, EvalArmSummary, EvalDeltas, EvalTaskRun } from '@abca/contracts';

const round = (n: number): number => Math.round(n * 1e6) / 1e6;
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : round(part / whole));

/** The figures of one arm over its runs. */
export function summariseArm(results: readonly EvalTaskRun[], arm: EvalArmName): EvalArmSummary {
  const mine = results.filter((r) => r.arm === arm);
  const passed = mine.filter((r) => r.validation_passed === true).length;
  const checked = mine.reduce((n, r) => n + (r.corrections_checked ?? 0), 0);
  const repeated = mine.reduce((n, r) => n + r.corrections_repeated.length, 0);
  const turns = mine.reduce((n, r) => n + r.turns, 0);
  const cost = round(mine.reduce((n, r) => n + r.cost_usd, 0));
  return {
    runs: mine.length,
    completed: mine.filter((r) => r.status === 'COMPLETED').length,
    validation_passed: passed,
    validation_pass_rate: ratio(passed, mine.length),
    corrections_checked: checked,
    corrections_repeated: repeated,
    corrections_repeated_share: ratio(repeated, checked),
    turns_total: turns,
    turns_mean: ratio(turns, mine.length),
    cost_usd_total: cost,
    cost_usd_mean: ratio(cost, mine.length),
  };
}

const minus = (on: number | null, off: number | null): number | null =>
  on === null || off === null ? null : round(on - off);

/** memory_on minus memory_off, figure by figure. */
export function deltas(off: EvalArmSummary, on: EvalArmSummary): EvalDeltas {
  return {
    validation_pass_rate: minus(on.validation_pass_rate, off.validation_pass_rate),
    corrections_repeated_share: minus(on.corrections_repeated_share, off.corrections_repeated_share),
    turns_mean: minus(on.turns_mean, off.turns_mean),
    cost_usd_mean: minus(on.cost_usd_mean, off.cost_usd_mean),
  };
}
