import { parseTaskEvent, type TaskEventData, type TaskEventRecord } from '@abca/contracts';
import type { HtmlEscapedString } from 'hono/utils/html';
import { h } from './markup.ts';

/** The task's last validation gate (`finalization.validation`), if it ran. */
export function lastValidation(
  events: TaskEventRecord[],
): TaskEventData<'finalization.validation'> | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] ? parseTaskEvent(events[i] as TaskEventRecord) : undefined;
    if (e?.type === 'finalization.validation') return e.data;
  }
  return undefined;
}

const ok = (v: boolean | null) => (v === null ? '—' : v ? 'passed' : 'failed');

/** The validation results (`#validation`): the verdict, then each check against its baseline. */
export function validationSection(
  v: TaskEventData<'finalization.validation'> | undefined,
): HtmlEscapedString {
  if (!v) return h`<p class="muted" id="validation">The validation gate has not run yet.</p>`;
  return h`<div id="validation"><p class="${v.passed ? 'ok' : 'bad'}">Validation ${v.passed ? 'passed' : 'failed'} (${v.mode})${v.failing.length ? `: ${v.failing.join(', ')} failed the gate` : ''}.</p>
<table class="checks"><thead><tr><th>Check</th><th>Result</th><th>Exit code</th><th>Before the agent</th></tr></thead>
<tbody>${v.checks.map(
    (c) =>
      h`<tr><td>${c.name}</td><td class="${c.ok ? 'ok' : 'bad'}">${ok(c.ok)}</td><td>${c.exit_code ?? 'signal'}</td><td>${ok(c.baseline_ok)}</td></tr>`,
  )}</tbody></table></div>`;
}
