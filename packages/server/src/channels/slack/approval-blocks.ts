import { APPROVAL_GATE_NAMES, type Approval, validationInWords } from '@abca/contracts';
import { escapeSlack } from './mention.ts';

/** The buttons on a waiting task's thread message; their value is `<task id>:<approval id>`. */
export const APPROVE_ACTION = 'abca_approve';
export const DENY_ACTION = 'abca_deny';
/** The Deny modal (views.open) that asks for the reason; its submission decides. */
export const DENY_VIEW = 'abca_deny_reason';
export const REASON_BLOCK = 'reason';

const GATE_NAMES = APPROVAL_GATE_NAMES;
/** A section's text holds at most 3000 characters. */
const MAX_TEXT = 2900;

export function gateName(a: Pick<Approval, 'gate'>): string {
  return GATE_NAMES[a.gate];
}

/** What the person is asked, as plain text: the agent's words are untrusted and never mrkdwn. */
function askedText(a: Approval): string {
  const r = a.request;
  if (r.gate === 'push') {
    const validation = validationInWords(r.validation_passed);
    return `Push ${r.commits} commit${r.commits === 1 ? '' : 's'} to ${r.branch} (${validation}):\n${r.diff_stat}`;
  }
  if (r.gate === 'plan') return `Plan, round ${r.round}:\n${r.plan}`;
  return `${r.tool}: ${r.input}\nRule: ${r.rule}`;
}

function clip(text: string): string {
  return text.length <= MAX_TEXT
    ? text
    : `${text.slice(0, MAX_TEXT - 60)}\n… (the rest: abca approvals <task>)`;
}

/**
 * The request a waiting task shows in its thread message: what it asks (plain text, never
 * mrkdwn: the agent wrote it), until when, who may decide, and the Approve / Deny buttons.
 */
export function approvalBlocks(
  taskId: string,
  a: Approval,
): {
  sections: Record<string, unknown>[];
  buttons: Record<string, unknown>[];
} {
  const value = `${taskId}:${a.approval_id}`;
  return {
    sections: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:double_vertical_bar: *Approval needed: the ${gateName(a)}* (\`${escapeSlack(a.approval_id)}\`, until ${escapeSlack(a.expires_at)})\nThe task's owner or an ABCA admin decides; a denial's reason is kept with the task.`,
        },
      },
      { type: 'section', text: { type: 'plain_text', text: clip(askedText(a)), emoji: false } },
    ],
    buttons: [
      {
        type: 'button',
        action_id: APPROVE_ACTION,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value,
      },
      {
        type: 'button',
        action_id: DENY_ACTION,
        text: { type: 'plain_text', text: 'Deny…' },
        style: 'danger',
        value,
      },
    ],
  };
}

/** The Deny modal: one required reason, with the task, request and thread in its private metadata. */
export function denyView(input: {
  taskId: string;
  approval: Approval;
  channel: string;
  threadTs: string | undefined;
}): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: DENY_VIEW,
    private_metadata: JSON.stringify({
      task_id: input.taskId,
      approval_id: input.approval.approval_id,
      channel: input.channel,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    }),
    title: { type: 'plain_text', text: `Deny the ${gateName(input.approval)}` },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Task \`${escapeSlack(input.taskId)}\` waits for a decision on its ${gateName(input.approval)}.${input.approval.gate === 'push' ? ' A denial ends it FAILED; nothing is pushed.' : ' The agent reads your reason and goes on.'}`,
        },
      },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why?' },
        element: {
          type: 'plain_text_input',
          action_id: REASON_BLOCK,
          multiline: true,
          max_length: 3000,
          placeholder: { type: 'plain_text', text: 'The agent reads this.' },
        },
      },
    ],
  };
}
