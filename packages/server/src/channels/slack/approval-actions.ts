import { type Approval, TaskId } from '@abca/contracts';
import { z } from 'zod';
import { pendingApproval } from '../../approvals/approval-store.ts';
import { decide } from '../../approvals/decide.ts';
import { AppError } from '../../ops/errors.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask } from '../../store/task-store.ts';
import { howToLink, resolveSender } from '../identities.ts';
import { APPROVE_ACTION, DENY_VIEW, denyView, gateName, REASON_BLOCK } from './approval-blocks.ts';
import type { SlackIngressDeps } from './ingress-deps.ts';
import type { ViewSubmission } from './payloads.ts';
import { mayActOn } from './task-actions.ts';

/** A button's value: `<task id>:<approval id>` (a stale message cannot decide a newer request). */
const ButtonValue = z
  .string()
  .regex(/^[^:]{1,100}:apr_[0-9A-Za-z]{1,60}$/)
  .transform((v) => {
    const [taskId, approvalId] = v.split(':') as [string, string];
    return { taskId, approvalId };
  })
  .pipe(z.object({ taskId: TaskId, approvalId: z.string() }));

/** The Deny modal's private metadata, set by ABCA and checked again when it comes back. */
const DenyMetadata = z.object({
  task_id: TaskId,
  approval_id: z.string().regex(/^apr_[0-9A-Za-z]{1,60}$/),
  channel: z.string().regex(/^[A-Z0-9]{1,40}$/),
  thread_ts: z
    .string()
    .regex(/^\d{1,12}\.\d{1,9}$/)
    .optional(),
});

const Reason = z.string().trim().min(1).max(4000);

export type ApprovalClick =
  | { kind: 'reply'; outcome: string; text: string }
  | { kind: 'open_view'; outcome: string; view: Record<string, unknown> };

/** Who clicked, as an ABCA user allowed to decide on the task (its owner or an admin), or why not. */
async function decider(
  deps: SlackIngressDeps,
  slackUser: { teamId: string; userId: string },
  taskId: string,
): Promise<{ ok: true; userId: string; task: TaskRow } | { ok: false; outcome: string; text: string }> {
  const externalId = `${slackUser.teamId}:${slackUser.userId}`;
  // Only a linked identity decides: the decision names an ABCA user (no default user for the unlinked).
  const sender = await resolveSender(deps.db, 'slack', externalId, undefined);
  if (sender.kind !== 'linked')
    return { ok: false, outcome: 'unlinked', text: howToLink('slack', externalId) };
  const task = await getTask(deps.db, taskId);
  if (!task || !(await mayActOn(deps.db, task, sender.userId)))
    return {
      ok: false,
      outcome: 'forbidden',
      text: 'Only the owner of this task (or an admin) can approve or deny it.',
    };
  return { ok: true, userId: sender.userId, task };
}

/** A decision refused by the store (decided elsewhere, expired, cancelled): its message, for the person. */
function refusal(err: unknown): string {
  if (
    err instanceof AppError &&
    ['APPROVAL_NOT_PENDING', 'APPROVAL_NOT_FOUND', 'TASK_NOT_FOUND'].includes(err.code)
  )
    return err.message;
  throw err;
}

/**
 * Approve or Deny on a waiting task's thread message. Approve decides at once through `decide()`
 * (channel `slack`, the linked ABCA user); Deny opens a modal asking for the reason (its
 * submission decides). The clicker must be linked to the task's owner or an admin; otherwise,
 * and when the task no longer waits, an ephemeral reply says why and nothing changes.
 */
export async function handleApprovalClick(
  deps: SlackIngressDeps,
  input: {
    actionId: string;
    value: string | undefined;
    slackUser: { teamId: string; userId: string };
    channel: string;
    threadTs: string | undefined;
  },
): Promise<ApprovalClick> {
  const parsed = ButtonValue.safeParse(input.value ?? '');
  if (!parsed.success)
    return { kind: 'reply', outcome: 'ignored', text: 'This button is not one ABCA made.' };
  const { taskId, approvalId } = parsed.data;
  const who = await decider(deps, input.slackUser, taskId);
  if (!who.ok) return { kind: 'reply', outcome: who.outcome, text: who.text };
  if (input.actionId === APPROVE_ACTION) {
    let approval: Approval;
    try {
      approval = await decide(
        { db: deps.db, admit: () => deps.orchestrator.admit() },
        { taskId, approvalId, state: 'approved', by: who.userId, channel: 'slack' },
      );
    } catch (err) {
      return { kind: 'reply', outcome: 'not_pending', text: refusal(err) };
    }
    deps.log.info({ taskId, approvalId, by: who.userId }, 'approval decided from slack');
    return {
      kind: 'reply',
      outcome: 'approved',
      text: `You approved the ${gateName(approval)} of task \`${taskId}\`; it goes on as soon as a slot is free.`,
    };
  }
  // Deny: the modal asks why. A request no longer pending is said now, not after the form.
  const pending =
    who.task.status === 'AWAITING_APPROVAL' ? await pendingApproval(deps.db, taskId) : undefined;
  if (!pending || pending.approval_id !== approvalId)
    return {
      kind: 'reply',
      outcome: 'not_pending',
      text: `Task \`${taskId}\` is not waiting for this decision any more (it is ${who.task.status}).`,
    };
  return {
    kind: 'open_view',
    outcome: 'deny_form',
    view: denyView({ taskId, approval: pending, channel: input.channel, threadTs: input.threadTs }),
  };
}

export type SubmissionResult =
  | {
      outcome: string;
      errors?: undefined;
      reply?: { channel: string; user: string; threadTs?: string; text: string };
    }
  | { outcome: string; errors: Record<string, string> };

/**
 * The Deny modal submitted: the same checks again (the metadata came back through Slack), then
 * the denial with the reason through `decide()`. A refusal is shown in the form itself (Slack's
 * `response_action: errors`); nothing changes.
 */
export async function handleDenySubmission(
  deps: SlackIngressDeps,
  p: ViewSubmission,
): Promise<SubmissionResult> {
  if (p.view.callback_id !== DENY_VIEW) return { outcome: 'ignored' };
  let meta: z.infer<typeof DenyMetadata>;
  try {
    meta = DenyMetadata.parse(JSON.parse(p.view.private_metadata ?? ''));
  } catch {
    return { outcome: 'ignored' };
  }
  const reason = Reason.safeParse(p.view.state?.values?.[REASON_BLOCK]?.[REASON_BLOCK]?.value ?? '');
  if (!reason.success)
    return {
      outcome: 'invalid',
      errors: { [REASON_BLOCK]: 'Say why (up to 4000 characters): the agent reads it.' },
    };
  const teamId = p.team?.id ?? p.user.team_id ?? '';
  const who = await decider(deps, { teamId, userId: p.user.id }, meta.task_id);
  if (!who.ok) return { outcome: who.outcome, errors: { [REASON_BLOCK]: who.text } };
  let approval: Approval;
  try {
    approval = await decide(
      { db: deps.db, admit: () => deps.orchestrator.admit() },
      {
        taskId: meta.task_id,
        approvalId: meta.approval_id,
        state: 'denied',
        by: who.userId,
        channel: 'slack',
        reason: reason.data,
      },
    );
  } catch (err) {
    return { outcome: 'not_pending', errors: { [REASON_BLOCK]: refusal(err) } };
  }
  deps.log.info(
    { taskId: meta.task_id, approvalId: meta.approval_id, by: who.userId },
    'approval denied from slack',
  );
  return {
    outcome: 'denied',
    reply: {
      channel: meta.channel,
      user: p.user.id,
      ...(meta.thread_ts ? { threadTs: meta.thread_ts } : {}),
      text: `You denied the ${gateName(approval)} of task \`${meta.task_id}\`.`,
    },
  };
}
