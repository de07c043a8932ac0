import {
  APPROVAL_GATE_NAMES,
  parseTaskEvent,
  type TaskEvent,
  type TaskEventData,
  type TaskEventRecord,
  type TaskEventType,
} from '@abca/contracts';
import { type Colors, colorStatus, formatDuration, truncate } from './output.ts';

/** `12:03:04` in local time. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
}

export interface DescribeOptions {
  /**
   * Every event gets a line, the agent's own words in full (`watch --verbose`, `events`). Without
   * it the live view stays concise: the agent's messages, per-turn summaries and the loop's own
   * end (the step's `agent finished` says it) print nothing.
   */
  verbose?: boolean;
}

/**
 * The readable text of a task event (without the time prefix); `''` when the concise view leaves it
 * out. An event this CLI does not know (a newer server) or an old row whose payload no longer
 * parses gets a generic line with its name and data, never an error.
 */
export function describeEvent(record: TaskEventRecord, c: Colors, opts: DescribeOptions = {}): string {
  const e = parseTaskEvent(record);
  if (!e) {
    const label = LABELS[record.type as TaskEventType];
    const data = c.dim(truncate(JSON.stringify(record.data), 100));
    return label ? `${label} ${data}` : `event ${record.type} (not known to this CLI) ${data}`;
  }
  return describeTyped(e, c, opts.verbose ?? false);
}

/** What each type is called when its payload cannot be read (an old row). */
const LABELS: Record<TaskEventType, string> = {
  'task.created': 'submitted',
  'task.admitted': 'admitted',
  'task.status_changed': 'status changed',
  'task.nudge_queued': 'nudge queued',
  'approval.requested': 'approval requested',
  'approval.decided': 'approval decided',
  'step.started': 'step started',
  'step.completed': 'step ended',
  'step.failed': 'step failed',
  'step.interrupted': 'step interrupted',
  'hydration.warning': 'warning',
  'hydration.completed': 'context ready',
  'preflight.failed': 'pre-flight failed',
  'preflight.workspace_ready': 'workspace ready',
  'preflight.setup': 'setup command',
  'preflight.baseline': 'baseline check',
  'preflight.passed': 'pre-flight checks passed',
  'env_cache.hit': 'environment from the cache',
  'env_cache.miss': 'environment not in the cache',
  'env_cache.saved': 'environment saved to the cache',
  'env_cache.save_skipped': 'environment not saved to the cache',
  'env_cache.save_failed': 'environment could not be saved to the cache',
  'workspace.restored': 'workspace restored',
  'workspace.recreated': 'workspace made anew',
  'workspace.setup': 'setup command in the new workspace',
  'workspace.checkpoint_saved': 'checkpoint saved',
  'workspace.checkpoint_failed': 'checkpoint not saved',
  'finalization.validation': 'validation',
  'finalization.pushed': 'pushed',
  'finalization.pr_opened': 'pull request opened',
  'review.posted': 'review posted',
  'review.output_invalid': 'review answer not valid',
  'review.retry': 'review asked again',
  'pr.iteration_context': 'pull request context',
  'pr.thread_replied': 'review thread answered',
  'pr.body_updated': 'pull request body updated',
  'memory.retrieved': 'memory retrieved',
  'memory.written': 'memory written',
  'memory.learned': 'learned',
  'memory.learning_failed': 'learning failed',
  'sandbox.egress_blocked': 'network request blocked',
  'sandbox.warning': 'sandbox warning',
  'agent.resumed': 'agent resumed',
  'agent.turn_started': 'turn started',
  'agent.model_call': 'model call',
  'agent.message': 'agent says',
  'agent.tool_started': 'tool started',
  'agent.tool_output': 'tool output',
  'agent.tool_call': 'tool done',
  'agent.nudge_received': 'nudge read',
  'agent.limit_reached': 'limit reached',
  'agent.steering': 'steering',
  'agent.turn_completed': 'turn done',
  'agent.agent_finished': 'agent loop ended',
  'agent.context_pruned': 'context pruned',
  'agent.context_compacted': 'context compacted',
  'agent.interrupted': 'agent interrupted',
  'agent.finished': 'agent finished',
};

const GATE_NAMES = APPROVAL_GATE_NAMES;

/** What an approval request asks, on one line. */
function approvalAsk(r: TaskEventData<'approval.requested'>['request']): string {
  if (r.gate === 'plan') return `plan ${r.round}: ${truncate(r.plan.replace(/\s+/g, ' '), 160)}`;
  if (r.gate === 'push') return `push ${r.commits} commit${r.commits === 1 ? '' : 's'} to ${r.branch}`;
  return `${r.tool} ${truncate(r.input.replace(/\s+/g, ' '), 120)} (${r.rule})`;
}

function describeTyped(e: TaskEvent, c: Colors, verbose: boolean): string {
  switch (e.type) {
    case 'task.created':
      return `submitted to ${e.data.repo} by ${e.data.user_id}`;
    case 'task.admitted':
      return 'admitted: a slot is free';
    case 'task.status_changed':
      return statusLine(e.data, c);
    case 'task.nudge_queued':
      return `nudge queued (${e.data.chars} chars); the agent reads it before its next turn`;
    case 'approval.requested':
      return `${c.yellow('⏸')} waiting for approval of the ${GATE_NAMES[e.data.gate]} (${e.data.approval_id}, until ${e.data.expires_at}): ${approvalAsk(e.data.request)}`;
    case 'approval.decided':
      return `${e.data.state === 'approved' ? c.green('✓') : c.red('✗')} ${GATE_NAMES[e.data.gate]} ${e.data.state === 'expired' ? 'denied by the timeout' : `${e.data.state}${e.data.plan_edited ? ' with an edited plan' : ''} by ${e.data.by} (${e.data.channel})`}${e.data.reason ? `: ${truncate(e.data.reason, 200)}` : ''}`;
    case 'step.started':
      return `${c.cyan('▶')} ${c.bold(e.data.step)}${attempt(e.data.attempt)}`;
    case 'step.completed':
      return stepEnded(e.data, c);
    case 'step.failed':
      return `${c.red('✗')} ${e.data.step}${attempt(e.data.attempt)} failed ${c.dim(formatDuration(e.data.duration_ms))}: ${
        e.data.error
      }${e.data.will_retry ? c.yellow(' (will retry)') : ''}`;
    case 'step.interrupted':
      return `${c.yellow('⏸')} ${e.data.step ?? 'step'}${attempt(e.data.attempt ?? 1)} interrupted by a server stop; it resumes on the next start`;
    case 'hydration.completed': {
      const refs = [
        e.data.issue !== null ? `issue #${e.data.issue}` : '',
        e.data.pull_request !== null ? `pull request #${e.data.pull_request}` : '',
      ].filter(Boolean);
      const read = e.data.instructions.length ? `; read ${e.data.instructions.join(', ')}` : '';
      return `  context ready: ${e.data.prompt_chars} chars${refs.length ? `, with ${refs.join(' and ')}` : ''}${read}`;
    }
    case 'hydration.warning':
      return `  ${c.yellow('warning')}: ${e.data.message}`;
    case 'preflight.workspace_ready':
      return `  workspace ready in a ${e.data.sandbox} sandbox at ${e.data.base_commit.slice(0, 7)}`;
    case 'preflight.setup':
      return `  setup command ${passed(e.data.ok, c)} ${c.dim(formatDuration(e.data.duration_ms))}${
        !e.data.ok && e.data.output_tail
          ? `\n${indent(lastLines(e.data.output_tail, verbose ? 20 : 3), '    │ ')}`
          : ''
      }`;
    case 'preflight.baseline':
      return `  baseline ${e.data.check}: ${e.data.ok ? 'pass' : 'fail'} ${c.dim(formatDuration(e.data.duration_ms))}`;
    case 'preflight.passed':
      return '  pre-flight checks passed';
    case 'env_cache.hit':
      return `  environment from the cache: ${e.data.files} files, ${bytes(e.data.bytes)} ${c.dim(formatDuration(e.data.duration_ms))}; setup skipped${e.data.baseline_reused ? ', baseline reused' : ''}`;
    case 'env_cache.miss':
      return `  environment not in the cache (${MISS_REASONS[e.data.reason]})${e.data.detail ? `: ${truncate(e.data.detail, 200)}` : ''}`;
    case 'env_cache.saved':
      return `  environment saved to the cache: ${e.data.files} files, ${bytes(e.data.bytes)} ${c.dim(formatDuration(e.data.duration_ms))}`;
    case 'env_cache.save_skipped':
      return `  environment not saved to the cache (${SKIP_REASONS[e.data.reason]})${e.data.detail ? `: ${truncate(e.data.detail, 200)}` : ''}`;
    case 'env_cache.save_failed':
      return `  ${c.yellow('environment could not be saved to the cache')} (${e.data.reason === 'no_space' ? 'disk full' : 'error'}): ${truncate(e.data.message, 200)}; the task goes on`;
    case 'preflight.failed':
      return `  ${c.red('pre-flight failed')} (${e.data.check}): ${e.data.code} ${e.data.message}`.trimEnd();
    case 'workspace.checkpoint_saved':
      return `  saved a checkpoint of the work (${e.data.head.slice(0, 7)})`;
    case 'workspace.checkpoint_failed':
      return `  ${c.yellow('checkpoint not saved')}: ${e.data.code ? `${e.data.code} ` : ''}${e.data.message}`;
    case 'workspace.restored':
      return `  ${c.yellow('moved')} to worker ${e.data.executor_id}: workspace restored from the checkpoint`;
    case 'workspace.recreated':
      return `  ${c.yellow('moved')} to worker ${e.data.executor_id}: new workspace, the agent starts over`;
    case 'workspace.setup':
      return `  setup command in the new workspace ${passed(e.data.ok, c)}`;
    case 'finalization.validation': {
      const list = e.data.checks.map((k) => `${k.name} ${k.ok ? 'pass' : 'fail'}`).join(', ');
      return `  validation (${e.data.mode.replaceAll('_', ' ')}): ${passed(e.data.passed, c)}${list ? ` — ${list}` : ''}`;
    }
    case 'finalization.pushed':
      return `  pushed ${e.data.commits} commit${e.data.commits === 1 ? '' : 's'} to ${e.data.branch} (${e.data.commit.slice(0, 7)})${e.data.rebased ? ', rebased onto what was pushed meanwhile' : ''}`;
    case 'finalization.pr_opened':
      return `  opened ${e.data.draft ? 'draft ' : ''}pull request #${e.data.number} ${e.data.url}`;
    case 'review.posted': {
      const moved = e.data.moved ? `, ${e.data.moved} moved to the summary (outside the diff)` : '';
      return `  posted a review (${e.data.verdict.replaceAll('_', ' ')}) on pull request #${e.data.pull_request}: ${e.data.comments} line comment${e.data.comments === 1 ? '' : 's'}${moved}${e.data.url ? ` ${e.data.url}` : ''}`;
    }
    case 'review.output_invalid':
      return `  ${c.yellow("the agent's review is not valid")} (answer ${e.data.attempt}, ${e.data.raw_chars} chars): ${truncate(e.data.error, 160)}${
        e.data.will_retry ? '; it is asked once more' : ''
      }${verbose && e.data.raw ? `\n${indent(lastLines(e.data.raw, 20), '    │ ')}` : ''}`;
    case 'review.retry':
      return `  asked the agent again for its review (attempt ${e.data.attempt})`;
    case 'pr.iteration_context':
      return `  pull request #${e.data.pull_request}: ${e.data.threads} open review thread${e.data.threads === 1 ? '' : 's'}, ${e.data.conversation} new comment${e.data.conversation === 1 ? '' : 's'}${e.data.since ? ' since the last push' : ''}, ${e.data.failing_checks} failing check${e.data.failing_checks === 1 ? '' : 's'}`;
    case 'pr.thread_replied':
      return `  answered review thread ${e.data.thread} on pull request #${e.data.pull_request}${e.data.resolved ? ' and resolved it' : ''}`;
    case 'pr.body_updated':
      return `  updated the validation and cost of pull request #${e.data.pull_request} (${e.data.tasks} task${e.data.tasks === 1 ? '' : 's'})`;
    case 'memory.retrieved':
      return `  memory: ${e.data.records.length} record${e.data.records.length === 1 ? '' : 's'} in the prompt (${e.data.chars} chars)${e.data.left_out ? `, ${e.data.left_out} left out` : ''}${verbose ? e.data.records.map((r) => `\n    ${r.kind} ${r.id}: ${truncate(r.title, 100)}`).join('') : ''}`;
    case 'memory.written':
      return `  remembered (${e.data.kind.replaceAll('_', ' ')}): ${truncate(e.data.title, 120)}${e.data.supersedes ? ` (replaces ${e.data.supersedes})` : ''}`;
    case 'memory.learned':
      return `  learned (${e.data.what.replaceAll('_', ' ')}): ${e.data.written} record${e.data.written === 1 ? '' : 's'}${e.data.refused ? `, ${e.data.refused} refused` : ''} with ${e.data.model} ($${e.data.cost_usd.toFixed(4)})`;
    case 'memory.learning_failed':
      return `  ${c.yellow('learning failed')} (${e.data.what.replaceAll('_', ' ')}): ${truncate(e.data.message, 160)}`;
    case 'sandbox.egress_blocked':
      return `    ${c.yellow('blocked')} network request to ${e.data.host}:${e.data.port} (${e.data.reason.replaceAll('_', ' ')})`;
    case 'sandbox.warning':
      return `  ${c.yellow('sandbox')}: ${e.data.message}`;
    case 'agent.interrupted':
      return `  agent stopped at a turn boundary after ${e.data.turns} turns (server stopping); its transcript is saved`;
    case 'agent.context_pruned':
      return `  context: ${e.data.outputs} older tool output${e.data.outputs === 1 ? '' : 's'} pruned (about ${e.data.tokens_before} → ${e.data.tokens_after} of ${e.data.window_tokens} tokens)`;
    case 'agent.context_compacted':
      return `  context compacted into a summary${e.data.reason === 'context_length_error' ? ' after the model refused a prompt too long' : ''} (about ${e.data.tokens_before} → ${e.data.tokens_after} tokens)`;
    case 'agent.resumed':
      return `  resumed from the saved transcript after ${e.data.turns} turns`;
    case 'agent.turn_started':
      return `  turn ${e.data.turn}${e.data.wrap_up ? c.yellow(' (wrapping up)') : ''}`;
    case 'agent.model_call':
      return e.data.error
        ? `    ${c.red('model call failed')}: ${e.data.error.code} ${truncate(e.data.error.message, 100)}`
        : `    model: ${e.data.input_tokens} in / ${e.data.output_tokens} out tokens, ${formatDuration(e.data.latency_ms)}${
            e.data.retries
              ? c.yellow(` after ${e.data.retries} ${e.data.retries === 1 ? 'retry' : 'retries'}`)
              : ''
          }`;
    case 'agent.message':
      return verbose ? `    ${c.cyan('agent says:')}\n${indent(e.data.text.trimEnd(), '      ')}` : '';
    case 'agent.tool_started':
      return `    ${c.cyan('→')} ${e.data.tool}${e.data.args_preview ? `: ${truncate(e.data.args_preview, 100)}` : ''}`;
    case 'agent.tool_output': {
      const head = `      ${c.dim(`… ${e.data.tool} running ${formatDuration(e.data.elapsed_ms)}, ${bytes(e.data.bytes)} of output`)}`;
      const tail = lastLines(e.data.tail, verbose ? 20 : 1);
      return tail ? `${head}\n${indent(tail, '      │ ')}` : head;
    }
    case 'agent.tool_call': {
      const mark = e.data.is_error ? c.red('✗') : c.green('✓');
      const took = c.dim(formatDuration(e.data.duration_ms));
      const why = e.data.is_error ? `: ${truncate(e.data.result, 100)}` : '';
      return `    ${mark} ${e.data.tool}${toolArgs(e.data.args)} ${took}${why}`;
    }
    case 'agent.nudge_received':
      return `    nudge read: "${truncate(e.data.message, 80)}"`;
    case 'agent.limit_reached':
      return `  ${c.yellow('limit reached')}: ${e.data.limit.replaceAll('_', ' ')} (${e.data.value} of ${e.data.threshold}); the agent wraps up`;
    case 'agent.steering':
      return `  ${c.yellow('steering')}: ${e.data.reason.replaceAll('_', ' ')}; the agent is told to change approach`;
    case 'agent.turn_completed':
      return verbose
        ? `    turn ${e.data.turn} done: ${e.data.tool_calls} tool call${e.data.tool_calls === 1 ? '' : 's'}, ${e.data.usage.input_tokens + e.data.usage.output_tokens} tokens and $${e.data.usage.cost_usd.toFixed(4)} so far`
        : '';
    case 'agent.agent_finished':
      return verbose
        ? `  agent loop ended: ${e.data.outcome.replaceAll('_', ' ')} after ${e.data.turns} turns${
            e.data.error ? ` (${e.data.error.code})` : ''
          }`
        : '';
    case 'agent.finished':
      return `  agent finished: ${e.data.outcome.replaceAll('_', ' ')} after ${e.data.turns} turns, $${e.data.cost_usd.toFixed(4)}`;
  }
}

function stepEnded(d: TaskEventData<'step.completed'>, c: Colors): string {
  const took = c.dim(formatDuration(d.duration_ms));
  const name = `${d.step}${attempt(d.attempt)}`;
  switch (d.outcome) {
    case 'succeeded':
      return `${c.green('✓')} ${name} ${took}`;
    case 'failed':
      return `${c.red('✗')} ${name} failed${d.error ? `: ${d.error}` : ''} ${took}`;
    case 'cancelled':
      return `${c.yellow('⊘')} ${name} cancelled ${took}`;
    case 'timed_out':
      return `${c.yellow('⏱')} ${name} ran out of time ${took}; the work so far goes on`;
    case 'skipped':
      return `${c.dim('–')} ${name} skipped: done by an earlier attempt`;
    case 'awaiting_approval':
      return `${c.yellow('⏸')} ${name} waits for approval ${took}; it goes on after the decision`;
  }
}

function statusLine(d: TaskEventData<'task.status_changed'>, c: Colors): string {
  let line = `status ${d.from} → ${colorStatus(d.to, c)}`;
  if (d.reason) line += ` (${d.reason.replaceAll('_', ' ')})`;
  if (d.queue_position !== undefined) line += `, queue position ${d.queue_position}`;
  if (d.by) line += ` by ${d.by}`;
  if (d.error) line += `: ${d.error.code}`;
  return line;
}

function passed(ok: boolean, c: Colors): string {
  return ok ? c.green('passed') : c.red('failed');
}

const MISS_REASONS: Record<TaskEventData<'env_cache.miss'>['reason'], string> = {
  no_snapshot: 'first setup of this repo and command',
  key_changed: 'a lockfile or key file changed',
  disabled: 'the cache is off',
  corrupted: 'the snapshot was damaged; setup runs instead',
  workspace_conflict: 'the workspace already holds its paths',
};

const SKIP_REASONS: Record<TaskEventData<'env_cache.save_skipped'>['reason'], string> = {
  not_default_branch: 'only a setup on the default branch is kept',
  tracked_files_changed: 'setup changed tracked files',
  key_files_changed: 'setup changed a lockfile or key file',
  fill_in_progress: 'another task is saving it',
  already_cached: 'already saved',
  too_large: 'too large',
  unsupported_file: 'setup left a special file',
  nothing_to_save: 'setup left nothing to keep',
};

function attempt(n: number): string {
  return n > 1 ? ` (attempt ${n})` : '';
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function lastLines(text: string, n: number): string {
  return text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l))
    .join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

function toolArgs(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  const main = [a.command, a.path, a.pattern].find((v): v is string => typeof v === 'string');
  return `: ${truncate(main ?? JSON.stringify(a), 80)}`;
}
