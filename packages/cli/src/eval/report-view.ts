import type { EvalArmSummary, EvalReport, EvalTaskRun } from '@abca/contracts';
import type { Colors } from '../output.ts';

const pct = (n: number | null): string => (n === null ? '-' : `${Math.round(n * 1000) / 10}%`);
const pts = (n: number | null): string =>
  n === null ? '-' : `${n >= 0 ? '+' : ''}${Math.round(n * 1000) / 10} pts`;
const num = (n: number | null, digits = 1): string => (n === null ? '-' : n.toFixed(digits));
const signed = (n: number | null, digits: number, prefix = ''): string =>
  n === null ? '-' : `${n >= 0 ? '+' : '-'}${prefix}${Math.abs(n).toFixed(digits)}`;
const usd = (n: number | null): string => (n === null ? '-' : `$${n.toFixed(4)}`);

const row = (cells: readonly string[]): string =>
  cells
    .map((cell, i) => (i === 0 ? cell.padEnd(24) : cell.padEnd(16)))
    .join('')
    .trimEnd();

const passCell = (a: EvalArmSummary): string =>
  `${pct(a.validation_pass_rate)} (${a.validation_passed}/${a.runs})`;
const repeatCell = (a: EvalArmSummary): string =>
  a.corrections_checked === 0
    ? 'not checked'
    : `${pct(a.corrections_repeated_share)} (${a.corrections_repeated}/${a.corrections_checked})`;

function runLine(r: EvalTaskRun): string {
  const validation =
    r.validation_passed === null ? 'not validated' : r.validation_passed ? 'passed' : 'failed';
  const corrections =
    r.corrections_checked === null
      ? 'corrections not checked (no diff)'
      : r.corrections_repeated.length === 0
        ? `repeated 0/${r.corrections_checked}`
        : `repeated ${r.corrections_repeated.length}/${r.corrections_checked}: ${r.corrections_repeated.join(', ')}`;
  const arm = r.arm === 'memory_on' ? 'memory on ' : 'memory off';
  return `  ${r.task}  run ${r.run}  ${arm}  ${r.task_id}  ${r.status}  validation ${validation}  ${r.turns} turns  ${usd(r.cost_usd)}  ${corrections}`;
}

/** The human report: both arms side by side with the deltas, then every run. */
export function reportLines(report: EvalReport, c: Colors): string[] {
  const { memory_off: off, memory_on: on } = report.arms;
  const d = report.deltas;
  const lines = [
    c.bold(
      `abca eval: ${report.repo}, ${report.tasks} task${report.tasks === 1 ? '' : 's'} × ${report.runs} run${report.runs === 1 ? '' : 's'}, memory off and on`,
    ),
  ];
  if (!report.complete) lines.push(c.yellow('Interrupted: the figures cover the runs that ended.'));
  lines.push(
    '',
    c.dim(row(['', 'memory off', 'memory on', 'delta (on - off)'])),
    row(['validation pass rate', passCell(off), passCell(on), pts(d.validation_pass_rate)]),
    row(['corrections repeated', repeatCell(off), repeatCell(on), pts(d.corrections_repeated_share)]),
    row(['turns (mean)', num(off.turns_mean), num(on.turns_mean), signed(d.turns_mean, 1)]),
    row(['cost (mean)', usd(off.cost_usd_mean), usd(on.cost_usd_mean), signed(d.cost_usd_mean, 4, '$')]),
    row(['completed', `${off.completed}/${off.runs}`, `${on.completed}/${on.runs}`]),
    '',
    c.dim('Runs:'),
    ...report.results.map(runLine),
  );
  return lines;
}
