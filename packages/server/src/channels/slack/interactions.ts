import { TaskId } from '@abca/contracts';
import { getTask } from '../../store/task-store.ts';
import { howToLink, resolveSender } from '../identities.ts';
import { handleApprovalClick } from './approval-actions.ts';
import { APPROVE_ACTION, DENY_ACTION } from './approval-blocks.ts';
import type { SlackIngressDeps } from './ingress-deps.ts';
import type { BlockActions } from './payloads.ts';
import { cancelTaskAs, mayActOn } from './task-actions.ts';

/** The Cancel button's action id on ABCA's thread message (its value: the task id). */
export const CANCEL_ACTION = 'abca_cancel';

export interface InteractionResult {
  outcome: string;
  reply?: { channel: string; user: string; threadTs?: string; text: string };
  /** A modal to open for the clicker (views.open with the interaction's trigger). */
  openView?: { triggerId: string; view: Record<string, unknown> };
}

const ACTIONS = [CANCEL_ACTION, APPROVE_ACTION, DENY_ACTION];

/**
 * A button click: Cancel cancels the task when the clicker's linked ABCA user owns it (or is an
 * admin), like `DELETE /v1/tasks/:id`; Approve and Deny decide a waiting task's request
 * (approval-actions.ts). Other actions are ignored. The answer goes back as an ephemeral reply
 * after Slack got its 200.
 */
export async function handleBlockActions(
  deps: SlackIngressDeps,
  p: BlockActions,
): Promise<InteractionResult> {
  const action = p.actions.find((a) => ACTIONS.includes(a.action_id));
  const channel = p.container?.channel_id ?? p.channel?.id;
  if (!action || !channel) return { outcome: 'ignored' };
  const teamId = p.team?.id ?? p.user.team_id ?? '';
  const threadTs = p.container?.thread_ts ?? p.container?.message_ts;
  const to = { channel, user: p.user.id, ...(threadTs ? { threadTs } : {}) };
  if (action.action_id !== CANCEL_ACTION) {
    const click = await handleApprovalClick(deps, {
      actionId: action.action_id,
      value: action.value,
      slackUser: { teamId, userId: p.user.id },
      channel,
      threadTs,
    });
    if (click.kind === 'reply') return { outcome: click.outcome, reply: { ...to, text: click.text } };
    if (!p.trigger_id)
      return {
        outcome: 'no_trigger',
        reply: { ...to, text: 'Slack sent no trigger to open the form with; try again.' },
      };
    return { outcome: click.outcome, openView: { triggerId: p.trigger_id, view: click.view } };
  }
  const externalId = `${teamId}:${p.user.id}`;
  const sender = await resolveSender(deps.db, 'slack', externalId, undefined);
  if (sender.kind !== 'linked')
    return { outcome: 'unlinked', reply: { ...to, text: howToLink('slack', externalId) } };
  const id = TaskId.safeParse(action.value ?? '');
  const task = id.success ? await getTask(deps.db, id.data) : undefined;
  if (!task || !(await mayActOn(deps.db, task, sender.userId)))
    return {
      outcome: 'forbidden',
      reply: { ...to, text: 'Only the owner of this task (or an admin) can cancel it.' },
    };
  const done = await cancelTaskAs(deps, task, sender.userId);
  if (done.kind === 'already_ended')
    return {
      outcome: 'ended',
      reply: { ...to, text: `Task \`${task.task_id}\` already ended (${done.status}); nothing to cancel.` },
    };
  deps.log.info({ taskId: task.task_id, by: sender.userId }, 'task cancelled from slack');
  return { outcome: 'cancelled' };
}
