import { TaskId } from '@abca/contracts';
import { getTask } from '../../store/task-store.ts';
import { howToLink, resolveSender } from '../identities.ts';
import type { SlackIngressDeps } from './ingress-deps.ts';
import type { BlockActions } from './payloads.ts';
import { cancelTaskAs, mayActOn } from './task-actions.ts';

/** The Cancel button's action id on ABCA's thread message (its value: the task id). */
export const CANCEL_ACTION = 'abca_cancel';

export interface InteractionResult {
  outcome: string;
  reply?: { channel: string; user: string; threadTs?: string; text: string };
}

/**
 * A button click: Cancel cancels the task when the clicker's linked ABCA user owns it (or is an
 * admin), like `DELETE /v1/tasks/:id`. Other actions are ignored. The answer goes back as an
 * ephemeral reply after Slack got its 200.
 */
export async function handleBlockActions(
  deps: SlackIngressDeps,
  p: BlockActions,
): Promise<InteractionResult> {
  const action = p.actions.find((a) => a.action_id === CANCEL_ACTION);
  const channel = p.container?.channel_id ?? p.channel?.id;
  if (!action || !channel) return { outcome: 'ignored' };
  const teamId = p.team?.id ?? p.user.team_id ?? '';
  const threadTs = p.container?.thread_ts ?? p.container?.message_ts;
  const to = { channel, user: p.user.id, ...(threadTs ? { threadTs } : {}) };
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
