import { parseTaskEvent, type TaskEventRecord } from '@abca/contracts';
import type { HtmlEscapedString } from 'hono/utils/html';
import { duration, when } from './format.ts';
import { h } from './markup.ts';

/** One run of a blueprint step, as its `step.*` events tell it. */
export interface StepRun {
  step: string;
  attempt: number;
  startedAt: string;
  /** `running` until an end event: then the step's outcome, `failed`, or `interrupted`. */
  outcome: string;
  durationMs?: number;
  error?: string;
}

/** The step runs of a task's log, in the order they started. */
export function stepRuns(events: TaskEventRecord[]): StepRun[] {
  const runs: StepRun[] = [];
  const open = new Map<string, StepRun>();
  for (const record of events) {
    const e = parseTaskEvent(record);
    if (!e) continue;
    if (e.type === 'step.started') {
      const run: StepRun = {
        step: e.data.step,
        attempt: e.data.attempt,
        startedAt: e.at,
        outcome: 'running',
      };
      runs.push(run);
      open.set(e.data.step, run);
    } else if (e.type === 'step.completed' || e.type === 'step.failed') {
      const run = open.get(e.data.step);
      if (!run) continue;
      run.outcome =
        e.type === 'step.completed' ? e.data.outcome : e.data.will_retry ? 'failed, retried' : 'failed';
      run.durationMs = e.data.duration_ms;
      if (e.data.error) run.error = e.data.error;
      open.delete(e.data.step);
    } else if (e.type === 'step.interrupted' && e.data.step) {
      const run = open.get(e.data.step);
      if (!run) continue;
      run.outcome = 'interrupted';
      if (e.data.duration_ms !== undefined) run.durationMs = e.data.duration_ms;
      open.delete(e.data.step);
    }
  }
  return runs;
}

/** The steps table: each run with its start, time taken and outcome (classed for colour). */
export function stepsTable(runs: StepRun[]): HtmlEscapedString {
  if (runs.length === 0) return h`<p class="muted" id="steps">No step has started yet.</p>`;
  return h`<table class="steps" id="steps">
<thead><tr><th>Step</th><th>Attempt</th><th>Started</th><th>Took</th><th>Outcome</th></tr></thead>
<tbody>
${runs.map(
  (r) =>
    h`<tr data-step="${r.step}"><td>${r.step}</td><td>${r.attempt}</td><td>${when(r.startedAt)}</td><td>${r.durationMs === undefined ? '' : duration(r.durationMs)}</td><td class="outcome o-${r.outcome.split(',')[0]?.replace(' ', '_')}">${r.outcome.replace('_', ' ')}${r.error ? h` <code>${r.error}</code>` : ''}</td></tr>`,
)}
</tbody>
</table>`;
}
