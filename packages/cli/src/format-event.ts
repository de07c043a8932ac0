import type { TaskEvent } from '@abca/contracts';
import { type Colors, colorStatus, formatDuration, truncate } from './output.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `12:03:04` in local time. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
}

/** One readable line for a task event (without the time prefix). */
export function describeEvent(e: TaskEvent, c: Colors): string {
  const d = e.data;
  switch (e.type) {
    case 'task.created':
      return `submitted to ${str(d.repo) ?? 'repo'} as ${str(d.user_id) ?? 'user'}`;
    case 'task.admitted':
      return 'admitted: a slot is free';
    case 'task.status_changed':
      return statusLine(d, c);
    case 'task.nudge_queued':
      return `nudge queued (${num(d.chars) ?? '?'} chars); the agent reads it before its next turn`;
    case 'step.started':
      return `${c.cyan('▶')} ${c.bold(str(d.step) ?? '?')}${attempt(d)}`;
    case 'step.completed':
      return `${c.green('✓')} ${str(d.step) ?? '?'}${attempt(d)} ${c.dim(duration(d))}`;
    case 'step.failed':
      return `${c.red('✗')} ${str(d.step) ?? '?'}${attempt(d)} ${c.dim(duration(d))}: ${str(d.error) ?? 'failed'}${
        d.will_retry === true ? c.yellow(' (will retry)') : ''
      }`;
    case 'step.interrupted':
      return `${c.yellow('⏸')} ${str(d.step) ?? '?'}${attempt(d)} interrupted by a server stop; it resumes on the next start`;
    case 'hydration.completed':
      return `  context ready: ${num(d.prompt_chars) ?? '?'} chars${d.issue === true ? ', with the issue' : ''}${
        d.pull_request === true ? ', with the pull request' : ''
      }`;
    case 'hydration.warning':
      return `  ${c.yellow('warning')}: ${str(d.message) ?? ''}`;
    case 'preflight.workspace_ready':
      return `  workspace ready in a ${str(d.sandbox) ?? ''} sandbox at ${(str(d.base_commit) ?? '').slice(0, 7)}`;
    case 'preflight.setup':
      return `  setup command ${d.ok === true ? c.green('passed') : c.red('failed')}${duration(d) ? ` ${c.dim(duration(d))}` : ''}`;
    case 'preflight.baseline':
      return `  baseline ${str(d.check) ?? '?'}: ${d.ok === true ? 'pass' : 'fail'}${duration(d) ? ` ${c.dim(duration(d))}` : ''}`;
    case 'sandbox.egress_blocked':
      return `    ${c.yellow('blocked')} network request to ${str(d.host) ?? '?'}`;
    case 'sandbox.warning':
      return `  ${c.yellow('sandbox')}: ${str(d.message) ?? ''}`;
    case 'agent.turn_completed':
    case 'agent.agent_finished':
      return '';
    case 'agent.interrupted':
      return `  agent stopped at a turn boundary after ${num(d.turns) ?? '?'} turns (server stopping); its transcript is saved`;
    case 'agent.resumed':
      return `  resumed from the saved transcript after ${num(d.turns) ?? '?'} turns`;
    case 'agent.limit_reached':
      return `  ${c.yellow('limit reached')}: ${str(d.limit) ?? '?'}; the agent wraps up`;
    case 'agent.steering':
      return `  ${c.yellow('steering')}: ${str(d.reason)?.replaceAll('_', ' ') ?? ''}`;
    case 'finalization.validation': {
      const checks = Array.isArray(d.checks) ? (d.checks as Record<string, unknown>[]) : [];
      const list = checks.map((k) => `${str(k.name)} ${k.ok === true ? 'pass' : 'fail'}`).join(', ');
      return `  validation (${str(d.mode) ?? '?'}): ${d.passed === true ? c.green('passed') : c.red('failed')}${list ? ` — ${list}` : ''}`;
    }
    case 'preflight.passed':
      return '  pre-flight checks passed';
    case 'preflight.failed':
      return `  ${c.red('pre-flight failed')} (${str(d.check) ?? '?'}): ${str(d.code) ?? ''} ${str(d.message) ?? ''}`.trimEnd();
    case 'agent.turn_started':
      return `  turn ${num(d.turn) ?? '?'}`;
    case 'agent.model_call':
      return `    model: ${num(d.input_tokens) ?? 0} in / ${num(d.output_tokens) ?? 0} out tokens${
        num(d.latency_ms) ? `, ${formatDuration(num(d.latency_ms) ?? 0)}` : ''
      }`;
    case 'agent.tool_call':
      return `    tool ${str(d.tool) ?? '?'}${toolArgs(d.args)}${d.is_error === true ? c.red(' (error)') : ''}`;
    case 'agent.nudge_received':
      return `    nudge read: "${truncate(str(d.message) ?? '', 80)}"`;
    case 'agent.finished':
      return `  agent finished: ${str(d.outcome) ?? '?'} after ${num(d.turns) ?? '?'} turns${
        str(d.commit) ? `, commit ${(str(d.commit) ?? '').slice(0, 7)}` : ''
      }`;
    case 'workspace.checkpoint_saved':
      return `  saved a checkpoint of the work (${(str(d.head) ?? '').slice(0, 7)})`;
    case 'workspace.checkpoint_failed':
      return `  ${c.yellow('checkpoint not saved')}: ${str(d.message) ?? ''}`;
    case 'workspace.restored':
      return `  ${c.yellow('moved')} to worker ${str(d.executor_id) ?? '?'}: workspace restored from the checkpoint`;
    case 'workspace.recreated':
      return `  ${c.yellow('moved')} to worker ${str(d.executor_id) ?? '?'}: new workspace, the agent starts over`;
    case 'workspace.setup':
      return `  setup command in the new workspace ${d.ok === true ? c.green('passed') : c.red('failed')}`;
    case 'finalization.pushed':
      return `  pushed ${str(d.branch) ?? 'the branch'}`;
    case 'finalization.pr_opened':
      return `  opened ${d.draft === true ? 'draft ' : ''}pull request #${num(d.number) ?? '?'} ${str(d.url) ?? ''}`.trimEnd();
    default:
      return `${e.type} ${c.dim(truncate(JSON.stringify(d), 100))}`;
  }
}

function statusLine(d: Record<string, unknown>, c: Colors): string {
  const from = str(d.from);
  const to = str(d.to) ?? '?';
  let line = `status ${from ? `${from} → ` : ''}${colorStatus(to, c)}`;
  const reason = str(d.reason);
  if (reason) line += ` (${reason.replaceAll('_', ' ')})`;
  const position = num(d.queue_position);
  if (position !== undefined) line += `, queue position ${position}`;
  const error = d.error as { code?: unknown; message?: unknown } | undefined;
  if (error && typeof error === 'object' && str(error.code)) line += `: ${str(error.code)}`;
  return line;
}

function attempt(d: Record<string, unknown>): string {
  const n = num(d.attempt);
  return n && n > 1 ? ` (attempt ${n})` : '';
}

function duration(d: Record<string, unknown>): string {
  const ms = num(d.duration_ms);
  return ms === undefined ? '' : formatDuration(ms);
}

function toolArgs(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  const main = str(a.command) ?? str(a.path) ?? str(a.pattern) ?? str(a.url);
  return `: ${truncate(main ?? JSON.stringify(a), 80)}`;
}
