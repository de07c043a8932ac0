import { type ChannelRef, ReviewOutcome, type TaskDetail, type TaskStatus } from '@abca/contracts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { type Colors, colorStatus, formatAge, formatDuration } from './output.ts';

/** 0 for COMPLETED; 1 for FAILED, CANCELLED, TIMED_OUT; 0 for a task still running. */
export function exitCodeOfTask(status: TaskStatus): ExitCode {
  return status === 'FAILED' || status === 'CANCELLED' || status === 'TIMED_OUT' ? EXIT.FAILURE : EXIT.OK;
}

/** `~45s`, `~3m`: the wait the server estimates for a queued task. */
export function formatEta(seconds: number): string {
  return `~${formatDuration(seconds * 1000).replace(/\.\d s$/, ' s')}`;
}

/** `QUEUED (position 2, ETA ~3m)` or just the status. */
export function statusWithQueue(t: TaskDetail, c: Colors): string {
  const parts: string[] = [];
  if (t.queue_position !== null) parts.push(`position ${t.queue_position}`);
  if (t.estimated_wait_s !== null && t.estimated_wait_s > 0)
    parts.push(`ETA ${formatEta(t.estimated_wait_s)}`);
  return `${colorStatus(t.status, c)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The lines of `abca status`. */
export function taskDetailLines(t: TaskDetail, c: Colors, now = Date.now()): string[] {
  const row = (label: string, value: string) => `${c.dim(`${label}:`.padEnd(13))}${value}`;
  const lines = [
    row('task', c.bold(t.task_id)),
    row('status', statusWithQueue(t, c)),
    row('repo', t.repo),
    row('workflow', t.workflow_ref),
  ];
  if (t.task_description) lines.push(row('description', t.task_description.split('\n')[0] ?? ''));
  if (t.issue_number !== null) lines.push(row('issue', `#${t.issue_number}`));
  if (t.pr_number !== null) lines.push(row('pull request', `#${t.pr_number}`));
  if (t.current_step) lines.push(row('step', t.current_step));
  lines.push(row('user', t.user_id));
  lines.push(row('channel', describeChannel(t.channel, t.channel_ref)));
  lines.push(row('created', `${t.created_at} (${formatAge(t.created_at, now)} ago)`));
  if (t.started_at) lines.push(row('started', t.started_at));
  if (t.completed_at) lines.push(row('ended', `${t.completed_at}${elapsed(t)}`));
  if (t.branch_name) lines.push(row('branch', t.branch_name));
  if (t.pr_url) lines.push(row('PR', c.cyan(t.pr_url)));
  const review = reviewLine(t);
  if (review) lines.push(row('review', review));
  lines.push(row('usage', usage(t)));
  lines.push(
    row('limits', `${t.max_turns} turns${t.max_budget_usd !== null ? `, $${t.max_budget_usd} budget` : ''}`),
  );
  if (t.error) lines.push(...errorLines(t, c));
  return lines;
}

/**
 * Where the task came from, for `abca status`: the channel and its reference (the GitHub issue or
 * comment and its link, the Slack thread, the webhook and its message id).
 */
export function describeChannel(channel: TaskDetail['channel'], ref: ChannelRef | null): string {
  if (!ref || ref.channel !== channel)
    return {
      api: 'API',
      cli: 'CLI',
      dashboard: 'dashboard',
      webhook: 'webhook',
      github: 'GitHub',
      slack: 'Slack',
      pr_loop: 'PR watcher',
    }[channel];
  switch (ref.channel) {
    case 'api':
      return 'API';
    case 'cli':
      return 'CLI';
    case 'dashboard':
      return 'dashboard';
    case 'webhook':
      return `webhook ${ref.webhook_id} (message ${ref.delivery_id})`;
    case 'github': {
      const how = { label: 'labelled', assign: 'assigned', mention: 'mentioned' }[ref.trigger];
      const link = `https://github.com/${ref.owner_repo}/issues/${ref.issue_number}${ref.comment_id ? `#issuecomment-${ref.comment_id}` : ''}`;
      return `GitHub ${ref.owner_repo}#${ref.issue_number}${ref.comment_id ? ` comment ${ref.comment_id}` : ''} (${how} by @${ref.sender}) ${link}`;
    }
    case 'slack':
      return `Slack team ${ref.team_id}, channel ${ref.channel_id}, thread ${ref.thread_ts} (asked by ${ref.user_id})`;
    case 'pr_loop':
      return `PR watcher: iteration ${ref.iteration} on ${ref.repo} pull request #${ref.pr_number} (${ref.reasons.join(', ').replaceAll('_', ' ')}; opened by task ${ref.origin_task_id})`;
  }
}

/** What `submit --wait` and `watch` print when the task has ended. */
export function outcomeLines(t: TaskDetail, c: Colors): string[] {
  const took = elapsed(t).trim();
  const head = `${t.status === 'COMPLETED' ? c.green('✓') : c.red('✗')} Task ${t.task_id} ${colorStatus(t.status, c)}${took ? ` ${took}` : ''}`;
  const lines = [head];
  if (t.pr_url) lines.push(`  Pull request: ${c.cyan(t.pr_url)}`);
  const review = reviewLine(t);
  if (review) lines.push(`  Review: ${review}`);
  if (t.error) lines.push(...errorLines(t, c));
  lines.push(`  ${c.dim(`usage: ${usage(t)}`)}`);
  return lines;
}

function errorLines(t: TaskDetail, c: Colors): string[] {
  if (!t.error) return [];
  return [
    `  ${c.red(`Error ${t.error.code}:`)} ${t.error.message}`,
    `  ${c.bold('fix:')} ${t.error.remedy}`,
    `  ${c.dim(t.error.retryable ? 'Resubmitting may help.' : 'Resubmitting as is will not help.')}`,
  ];
}

function usage(t: TaskDetail): string {
  const u = t.usage;
  // An unpriced model's dollars are unknown: say so rather than print a $0 that looks like free.
  const cost = u.priced === false ? 'unpriced' : `$${u.cost_usd.toFixed(4)}`;
  return `${u.turns} turns, ${u.input_tokens} input / ${u.output_tokens} output tokens, ${cost}`;
}

function elapsed(t: TaskDetail): string {
  if (!t.completed_at) return '';
  const ms = Date.parse(t.completed_at) - Date.parse(t.created_at);
  return Number.isFinite(ms) ? ` (after ${formatDuration(ms)})` : '';
}

/** A review task's posted review (`outcome.review`), in a line; undefined for other tasks. */
export function reviewLine(t: TaskDetail): string | undefined {
  const parsed = ReviewOutcome.safeParse(t.outcome?.review);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const moved = r.moved ? `, ${plural(r.moved, 'comment')} outside the diff moved to the summary` : '';
  return `${r.verdict.replaceAll('_', ' ')}, ${plural(r.comments, 'line comment')}${moved}${r.url ? ` ${r.url}` : ''}`;
}
