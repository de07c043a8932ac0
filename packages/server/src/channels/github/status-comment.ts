import type { Approval } from '@abca/contracts';
import type { TaskRow } from '../../store/task-row.ts';
import { approvalSection } from './approval-section.ts';
import { STATUS_MARKER_PREFIX } from './triggers.ts';

/** The hidden marker of a task's status comment (GitHub does not render HTML comments). */
export function statusMarker(taskId: string): string {
  return `${STATUS_MARKER_PREFIX}${taskId} -->`;
}

function stateLine(task: TaskRow, prUrl: string | undefined): string {
  const step = task.current_step ? ` (step \`${task.current_step}\`)` : '';
  switch (task.status) {
    case 'SUBMITTED':
    case 'QUEUED':
      return '⏳ **Queued**: waiting for a free slot.';
    case 'HYDRATING':
      return '🔎 **Started**: reading the issue and preparing the workspace.';
    case 'RUNNING':
      return `🛠️ **Working**${step}.`;
    case 'AWAITING_APPROVAL':
      return '⏸️ **Waiting for approval**.';
    case 'FINALIZING':
      return prUrl
        ? '📬 **Pull request opened**, finishing up.'
        : '📦 **Finalizing**: validating and opening the pull request.';
    case 'COMPLETED':
      return prUrl ? '✅ **Completed**: the pull request is ready for review.' : '✅ **Completed**.';
    case 'FAILED':
      return '❌ **Failed**.';
    case 'CANCELLED':
      return '🚫 **Cancelled**.';
    case 'TIMED_OUT':
      return '⌛ **Timed out**.';
  }
}

/** Markdown inline text that cannot break out of its line or inject markup that pings people. */
function plain(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/@/g, '@\u200b')
    .slice(0, 1000);
}

/**
 * The one status comment of a task, rendered from its current state: what it is doing, the
 * request it waits on and how to decide (`pending`), the PR, the failure with its remedy, cost and
 * turns, and the hidden marker that finds it again.
 */
export function renderStatusComment(
  task: TaskRow,
  prUrl: string | undefined,
  pending?: { approval: Approval; mention: string },
): string {
  const lines = [`**ABCA** task \`${task.task_id}\``, '', stateLine(task, prUrl)];
  if (task.status === 'AWAITING_APPROVAL' && pending?.approval.state === 'pending')
    lines.push('', approvalSection(task.task_id, pending.approval, pending.mention));
  if (prUrl) lines.push('', `Pull request: ${prUrl}`);
  if (task.error && (task.status === 'FAILED' || task.status === 'TIMED_OUT')) {
    lines.push(
      '',
      `${plain(task.error.message)} (\`${task.error.code}\`)`,
      '',
      `**Remedy:** ${plain(task.error.remedy)}`,
    );
  }
  const cost = task.priced === false ? 'unpriced' : `$${task.cost_usd.toFixed(4)}`;
  lines.push('', `<sub>Cost ${cost} · ${task.turns} turn${task.turns === 1 ? '' : 's'}</sub>`);
  lines.push('', statusMarker(task.task_id));
  return lines.join('\n');
}
