import { parseTaskEvent, type TaskEvent, type TaskEventRecord } from '@abca/contracts';
import type { HtmlEscapedString } from 'hono/utils/html';
import { clip, duration, safeHref, tokens, usd, when } from './format.ts';
import { h } from './markup.ts';

type Markup = HtmlEscapedString | string;

/**
 * One entry of a task's trajectory as an `<li>` of `#trajectory`: the page renders the log with
 * it, and the live stream sends each new event as the same markup. Every text in an event (the
 * agent's words, tool output, errors) is outside text: it goes through `h`, escaped.
 */
export function eventRow(record: TaskEventRecord): HtmlEscapedString {
  const e = parseTaskEvent(record);
  const { kind, label, body } = e ? describe(e) : generic(record);
  return h`<li class="ev ev-${kind}" id="ev-${record.seq}" data-seq="${record.seq}"><time datetime="${record.at}">${when(record.at).slice(11, 19)}</time> <span class="ev-label">${label}</span> ${body}</li>`;
}

function generic(r: TaskEventRecord): { kind: string; label: string; body: Markup } {
  return { kind: 'other', label: r.type, body: h`<code>${clip(JSON.stringify(r.data), 400)}</code>` };
}

const text = (t: string) => h`<pre class="ev-text">${t}</pre>`;

function describe(e: TaskEvent): { kind: string; label: string; body: Markup } {
  switch (e.type) {
    case 'agent.turn_started':
      return { kind: 'turn', label: `Turn ${e.data.turn}`, body: e.data.wrap_up ? 'wrapping up' : '' };
    case 'agent.message':
      return { kind: 'message', label: 'Agent', body: text(e.data.text) };
    case 'agent.tool_started':
      return {
        kind: 'tool',
        label: `▶ ${e.data.tool}`,
        body: h`<code>${clip(e.data.args_preview, 300)}</code>`,
      };
    case 'agent.tool_output':
      return {
        kind: 'tool-output',
        label: `… ${e.data.tool}`,
        body: h`<span class="muted">${duration(e.data.elapsed_ms)}</span>${text(e.data.tail)}`,
      };
    case 'agent.tool_call':
      return {
        kind: e.data.is_error ? 'tool-error' : 'tool',
        label: `${e.data.is_error ? '✗' : '✓'} ${e.data.tool}`,
        body: h`<span class="muted">${duration(e.data.duration_ms)}${e.data.truncated ? ', output cut' : ''}</span>
<details><summary><code>${clip(JSON.stringify(e.data.args), 200)}</code></summary>${text(e.data.result)}</details>`,
      };
    case 'agent.model_call':
      return {
        kind: e.data.error ? 'model-error' : 'model',
        label: 'Model call',
        body: h`<code>${e.data.model_ref}</code> ${tokens(e.data.input_tokens, e.data.output_tokens)} · ${usd(e.data.cost_usd)} · ${duration(e.data.latency_ms)}${e.data.retries ? ` · ${e.data.retries} retries` : ''}${e.data.error ? h` <span class="bad">${e.data.error.code}: ${e.data.error.message}</span>` : ''}`,
      };
    case 'agent.turn_completed':
      return {
        kind: 'turn-done',
        label: `Turn ${e.data.turn} done`,
        body: `${e.data.tool_calls} tool call${e.data.tool_calls === 1 ? '' : 's'} · ${usd(e.data.usage.cost_usd)} so far`,
      };
    case 'agent.nudge_received':
      return { kind: 'nudge', label: 'Nudge read', body: text(e.data.message) };
    case 'agent.limit_reached':
      return {
        kind: 'warn',
        label: 'Limit reached',
        body: `${e.data.limit}: ${e.data.value} of ${e.data.threshold}`,
      };
    case 'agent.steering':
      return { kind: 'warn', label: 'Steering', body: text(e.data.message) };
    case 'agent.agent_finished':
      return {
        kind: 'agent-end',
        label: 'Agent loop ended',
        body: `${e.data.outcome} after ${e.data.turns} turns`,
      };
    case 'agent.finished':
      return {
        kind: 'agent-end',
        label: 'Agent finished',
        body: `${e.data.outcome} after ${e.data.turns} turns, ${usd(e.data.cost_usd)}`,
      };
    case 'step.started':
      return { kind: 'step', label: `Step ${e.data.step}`, body: `started (attempt ${e.data.attempt})` };
    case 'step.completed':
      return {
        kind: `step-${e.data.outcome}`,
        label: `Step ${e.data.step}`,
        body: `${e.data.outcome.replace('_', ' ')} in ${duration(e.data.duration_ms)}${e.data.error ? ` (${e.data.error})` : ''}`,
      };
    case 'step.failed':
      return {
        kind: 'step-failed',
        label: `Step ${e.data.step}`,
        body: h`failed after ${duration(e.data.duration_ms)}${e.data.will_retry ? ', will retry' : ''}: <code>${clip(e.data.error, 500)}</code>`,
      };
    case 'step.interrupted':
      return {
        kind: 'step',
        label: `Step ${e.data.step ?? '?'}`,
        body: 'interrupted (runs again on resume)',
      };
    case 'task.created':
      return {
        kind: 'status',
        label: 'Submitted',
        body: h`to <code>${e.data.repo}</code> by ${e.data.user_id}`,
      };
    case 'task.status_changed':
      return {
        kind: 'status',
        label: 'Status',
        body: h`${e.data.from} → <strong>${e.data.to}</strong>${e.data.reason ? ` (${e.data.reason})` : ''}${e.data.queue_position ? `, #${e.data.queue_position} in line` : ''}${e.data.by ? ` by ${e.data.by}` : ''}${e.data.error ? h` <span class="bad">${e.data.error.code}: ${e.data.error.message}</span>` : ''}`,
      };
    case 'approval.requested':
      return { kind: 'approval', label: 'Approval asked', body: `${e.data.gate} gate` };
    case 'approval.decided':
      return {
        kind: 'approval',
        label: 'Approval',
        body: h`${e.data.gate}: ${e.data.state} by ${e.data.by} (${e.data.channel})${e.data.reason ? h` <q>${clip(e.data.reason, 500)}</q>` : ''}`,
      };
    case 'finalization.validation':
      return {
        kind: e.data.passed ? 'ok' : 'bad',
        label: 'Validation',
        body: `${e.data.passed ? 'passed' : 'failed'} (${e.data.mode})${e.data.failing.length ? `: ${e.data.failing.join(', ')}` : ''}`,
      };
    case 'finalization.pushed':
      return {
        kind: 'ok',
        label: 'Pushed',
        body: h`${e.data.commits} commit(s) to <code>${e.data.branch}</code>`,
      };
    case 'finalization.pr_opened': {
      const href = safeHref(e.data.url);
      return {
        kind: 'ok',
        label: 'Pull request',
        body: href
          ? h`<a href="${href}" rel="noreferrer">#${e.data.number}</a> opened`
          : `#${e.data.number} opened`,
      };
    }
    default:
      return generic(e);
  }
}
