import type { Approval, RepoInfo } from '@abca/contracts';
import { decide } from '../../approvals/decide.ts';
import { AppError } from '../../ops/errors.ts';
import type { Logger } from '../../ops/logger.ts';
import { recordDelivery } from '../deliveries.ts';
import { findLinkedUser } from '../identities.ts';
import type { DeliveryAnswer, GitHubIngressDeps } from './handle-delivery.ts';
import type { IssueCommentPayload } from './payloads.ts';
import { REPLY_SOURCE, WRITE_ACCESS } from './senders.ts';
import { type TriggerSettings, visibleText } from './triggers.ts';

export interface ApprovalCommand {
  verb: 'approve' | 'deny';
  /** The words after the verb (untrusted: the agent reads a denial's reason as data). */
  reason: string | undefined;
  sender: string;
  commentId: number;
  /** The repo's mention name (`abca`), for the replies. */
  mention: string;
}

/** A decision's reason as the API takes it (contracts ApproveRequest / DenyRequest). */
const MAX_REASON = 4000;

/**
 * `@abca approve [reason]` or `@abca deny <reason>` (the repo's mention name), as a new comment
 * that starts with it (quotes and code aside); undefined for anything else, the bot's own
 * comments included.
 */
export function parseApprovalCommand(
  p: IssueCommentPayload,
  s: TriggerSettings,
): ApprovalCommand | undefined {
  if (p.action !== 'created') return undefined;
  const login = p.comment.user.login;
  if (login.toLowerCase() === s.botLogin.toLowerCase()) return undefined;
  const escaped = s.mention.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^@${escaped}[ \\t]+(approve|deny)(?![A-Za-z0-9_-])[ \\t]*([\\s\\S]*)$`, 'i').exec(
    visibleText(p.comment.body ?? '').trim(),
  );
  if (!m) return undefined;
  const reason = (m[2] ?? '').trim();
  return {
    verb: (m[1] ?? '').toLowerCase() === 'approve' ? 'approve' : 'deny',
    reason: reason ? reason.slice(0, MAX_REASON) : undefined,
    sender: login,
    commentId: p.comment.id,
    mention: s.mention,
  };
}

/** The task of this repo that waits for a decision on this issue or pull request, if any. */
async function waitingTask(
  deps: GitHubIngressDeps,
  repo: RepoInfo,
  ownerRepo: string,
  number: number,
): Promise<string | undefined> {
  const res = await deps.db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks
      WHERE status = 'AWAITING_APPROVAL'
        AND ((channel = 'github' AND lower(channel_ref->>'owner_repo') = lower($1)
              AND channel_ref->>'issue_number' = $4)
             OR (repo = $3 AND pr_number = $2))
      ORDER BY created_at DESC LIMIT 1`,
    [ownerRepo, number, repo.repo, String(number)],
  );
  return res.rows[0]?.task_id;
}

/**
 * A writer's `@abca approve|deny` on the issue or PR of a waiting task decides it through
 * `decide()` (channel `github`; `by` the linked ABCA user, else `github:<login>`), and the command
 * gets a 👍. Write access is asked of GitHub (the payload's author_association is not trusted); a
 * non-writer's command changes nothing and is answered once that only writers decide. A command
 * with nothing to decide, or a denial without a reason, is answered with what to do.
 */
export async function handleApprovalCommand(
  deps: GitHubIngressDeps,
  log: Logger,
  deliveryId: string,
  input: { repo: RepoInfo; event: IssueCommentPayload; command: ApprovalCommand },
): Promise<DeliveryAnswer> {
  const { repo, event, command } = input;
  const ownerRepo = event.repository.full_name;
  const number = event.issue.number;
  const who = `@${command.sender}`;

  const answer = async (
    outcome: string,
    text: string | undefined,
    opts: { taskId?: string; onceKey?: string } = {},
  ): Promise<DeliveryAnswer> => {
    const rec = await recordDelivery(deps.db, {
      source: 'github',
      deliveryId,
      outcome,
      ...(opts.taskId ? { taskId: opts.taskId } : {}),
    });
    if (!rec.first) return { status: 200, outcome: rec.earlier.outcome, replayed: true };
    let reply = Boolean(text && deps.api);
    if (reply && opts.onceKey)
      reply = (
        await recordDelivery(deps.db, { source: REPLY_SOURCE, deliveryId: opts.onceKey, outcome: 'replied' })
      ).first;
    if (reply && text && deps.api)
      await deps.api.createComment(ownerRepo, number, text).catch((err: unknown) => {
        log.warn({ deliveryId, err: (err as Error).message }, 'could not reply on GitHub');
      });
    return { status: 200, outcome, ...(opts.taskId ? { taskId: opts.taskId } : {}) };
  };

  if (!deps.api) {
    log.warn({ deliveryId, ownerRepo }, 'GitHub approval command, but no GitHub token or App is set');
    return answer('approval:refused:github_not_configured', undefined);
  }
  const access = await deps.api.permission(ownerRepo, command.sender).catch((err: unknown) => {
    // Nothing is recorded: GitHub's "Redeliver" (or its next delivery) is handled afresh.
    log.warn({ deliveryId, ownerRepo, err: (err as Error).message }, 'could not check a GitHub sender');
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      `GitHub could not be asked for ${command.sender}'s access to ${ownerRepo}; redeliver this delivery later.`,
      { cause: err },
    );
  });
  if (!WRITE_ACCESS.includes(access)) {
    log.info(
      { deliveryId, ownerRepo, number, sender: command.sender, access },
      'approval command by a non-writer ignored',
    );
    return answer(
      'approval:refused:no_write_access',
      `${who} only people with write access to ${ownerRepo} can approve or deny ABCA's requests; your access is \`${access}\`. Nothing changed.`,
      {
        onceKey: `${ownerRepo.toLowerCase()}#${number}:${command.sender.toLowerCase()}:approval_no_write_access`,
      },
    );
  }
  const taskId = await waitingTask(deps, repo, ownerRepo, number);
  if (!taskId)
    return answer(
      'approval:none',
      `${who} no ABCA task on this ${event.issue.pull_request ? 'pull request' : 'issue'} waits for a decision.`,
    );
  if (command.verb === 'deny' && !command.reason)
    return answer(
      'approval:no_reason',
      `${who} a denial needs a reason, which the agent reads: \`@${command.mention} deny <reason>\`. Nothing changed.`,
      { taskId },
    );
  const by =
    (await findLinkedUser(deps.db, 'github', command.sender)) ?? `github:${command.sender.toLowerCase()}`;
  let approval: Approval;
  try {
    approval = await decide(
      { db: deps.db, admit: () => deps.orchestrator.admit() },
      {
        taskId,
        state: command.verb === 'approve' ? 'approved' : 'denied',
        by,
        channel: 'github',
        reason: command.reason ?? null,
      },
    );
  } catch (err) {
    if (err instanceof AppError && (err.code === 'APPROVAL_NOT_PENDING' || err.code === 'APPROVAL_NOT_FOUND'))
      return answer('approval:not_pending', `${who} ${err.message}`, { taskId });
    throw err;
  }
  log.info(
    { deliveryId, taskId, by, state: approval.state, gate: approval.gate },
    'approval decided from GitHub',
  );
  await deps.api.react(ownerRepo, { comment: command.commentId }, '+1').catch((err: unknown) => {
    log.warn({ deliveryId, err: (err as Error).message }, 'could not react on GitHub');
  });
  return answer(`approval:${approval.state}`, undefined, { taskId });
}
