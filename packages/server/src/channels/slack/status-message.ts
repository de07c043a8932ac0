import { type Approval, isTerminal, type TaskStatus } from '@abca/contracts';
import type { TaskRow } from '../../store/task-row.ts';
import { approvalBlocks } from './approval-blocks.ts';
import { CANCEL_ACTION } from './interactions.ts';
import { escapeSlack } from './mention.ts';

/** The metadata on ABCA's thread message: how it is found again after a crash between posting and recording. */
export const STATUS_METADATA_TYPE = 'abca_task';

const LABEL: Record<TaskStatus, string> = {
  SUBMITTED: 'Submitted',
  QUEUED: 'Queued',
  HYDRATING: 'Preparing the workspace',
  RUNNING: 'Running',
  AWAITING_APPROVAL: 'Awaiting approval',
  FINALIZING: 'Opening the pull request',
  COMPLETED: 'Done',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  TIMED_OUT: 'Timed out',
};

/** The reaction on the asking message for a task's end (the start is `eyes`). */
export const END_REACTION: Partial<Record<TaskStatus, string>> = {
  COMPLETED: 'white_check_mark',
  FAILED: 'x',
  TIMED_OUT: 'x',
  CANCELLED: 'no_entry_sign',
};
export const START_REACTION = 'eyes';

export interface StatusMessage {
  text: string;
  blocks: Record<string, unknown>[];
  metadata: { event_type: string; event_payload: { task_id: string } };
}

/**
 * ABCA's one thread message for a task, as it stands: state, step, turns and cost, the failure
 * and its remedy, the PR link at the end, and a Cancel button while it runs; while it waits at
 * an approval gate, the request (`pending`) with Approve and Deny buttons. No text of the
 * requester is repeated in it; everything shown is escaped for mrkdwn (the agent's words in a
 * request are plain text).
 */
export function renderStatus(task: TaskRow, pending?: Approval): StatusMessage {
  const label = LABEL[task.status];
  const lines = [`*ABCA* · ${escapeSlack(task.repo)} · task \`${task.task_id}\``];
  lines.push(
    `*${label}*${task.current_step && !isTerminal(task.status) ? ` · step \`${escapeSlack(task.current_step)}\`` : ''}`,
  );
  if (task.turns > 0 || task.cost_usd > 0)
    lines.push(`${task.turns} ${task.turns === 1 ? 'turn' : 'turns'} · $${task.cost_usd.toFixed(4)}`);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
  ];
  if (task.pr_url)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `Pull request: <${escapeSlack(task.pr_url)}>` },
    });
  if (task.error && (task.status === 'FAILED' || task.status === 'TIMED_OUT'))
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `\`${escapeSlack(task.error.code)}\`: ${escapeSlack(task.error.message)}\n_${escapeSlack(task.error.remedy)}_`,
      },
    });
  const approval =
    task.status === 'AWAITING_APPROVAL' && pending?.state === 'pending'
      ? approvalBlocks(task.task_id, pending)
      : undefined;
  if (approval) blocks.push(...approval.sections);
  if (!isTerminal(task.status))
    blocks.push({
      type: 'actions',
      block_id: 'abca_actions',
      elements: [
        ...(approval?.buttons ?? []),
        {
          type: 'button',
          action_id: CANCEL_ACTION,
          text: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
          value: task.task_id,
          confirm: {
            title: { type: 'plain_text', text: 'Cancel this task?' },
            text: { type: 'mrkdwn', text: `Task \`${task.task_id}\` stops; its work so far is not pushed.` },
            confirm: { type: 'plain_text', text: 'Cancel the task' },
            deny: { type: 'plain_text', text: 'Keep it running' },
          },
        },
      ],
    });
  const text = `ABCA task ${task.task_id} on ${task.repo}: ${label}${task.pr_url ? ` · ${task.pr_url}` : ''}`;
  return {
    text,
    blocks,
    metadata: { event_type: STATUS_METADATA_TYPE, event_payload: { task_id: task.task_id } },
  };
}
