import { type ChannelRef, CreateTaskRequest, type RepoInfo } from '@abca/contracts';
import { AppError } from '../../ops/errors.ts';
import type { Logger } from '../../ops/logger.ts';
import { nudgeWatch } from '../../pr-loop/watch-store.ts';
import type { Queryable } from '../../storage/db.ts';
import { getRepo } from '../../store/repo-store.ts';
import { findDelivery, recordDelivery } from '../deliveries.ts';
import { type GatewayDeps, submitTask } from '../gateway.ts';
import { howToLink, resolveSender } from '../identities.ts';
import { handleApprovalCommand, parseApprovalCommand } from './approval-command.ts';
import type { GitHubChannelApi } from './github-api.ts';
import { REPLY_SOURCE, WRITE_ACCESS } from './senders.ts';
import { decideTrigger, type GitHubEvent, triggerSettings } from './triggers.ts';

export interface GitHubIngressDeps extends GatewayDeps {
  /** undefined when no GitHub token or App is configured: nothing can be checked or answered. */
  api: GitHubChannelApi | undefined;
  botLogin: string;
  /** ABCA_GITHUB_UNLINKED_USER. */
  unlinkedUser: string | undefined;
}

/** How a delivery was answered: the HTTP status and what became of it (`outcome` is stored). */
export interface DeliveryAnswer {
  status: 200 | 201 | 202;
  outcome: string;
  taskId?: string;
  reason?: string;
  replayed?: boolean;
}

export const DELIVERY_SOURCE = 'github';
/** contracts CreateTaskRequest's cap on a description. */
const MAX_DESCRIPTION = 10_000;

/** The onboarded GitHub repo whose `owner_repo` is this one (GitHub compares names without case). */
export async function findGitHubRepo(db: Queryable, ownerRepo: string): Promise<RepoInfo | undefined> {
  const res = await db.query<{ repo: string }>(
    `SELECT repo FROM repos WHERE forge->>'kind' = 'github' AND lower(forge->>'owner_repo') = lower($1)
     ORDER BY repo LIMIT 1`,
    [ownerRepo],
  );
  const name = res.rows[0]?.repo;
  return name ? getRepo(db, name) : undefined;
}

/**
 * Acts on a verified, parsed GitHub delivery: a task through the gateway when a trigger fires and
 * the sender may ask (write access, checked with GitHub; a linked ABCA user), else a reply comment
 * saying why, or nothing. A delivery seen before is answered from its record and does nothing.
 */
export async function handleGitHubEvent(
  deps: GitHubIngressDeps,
  log: Logger,
  deliveryId: string,
  e: GitHubEvent,
): Promise<DeliveryAnswer> {
  const earlier = await findDelivery(deps.db, DELIVERY_SOURCE, deliveryId);
  if (earlier)
    return {
      status: 200,
      outcome: earlier.outcome,
      ...(earlier.taskId ? { taskId: earlier.taskId } : {}),
      replayed: true,
    };
  const ownerRepo = e.payload.repository.full_name;
  const repo = await findGitHubRepo(deps.db, ownerRepo);
  // `@abca approve [reason]` / `@abca deny <reason>`: a decision on the task waiting here, never a
  // new task (nor a nudge of a PR's watcher).
  if (repo && e.event === 'issue_comment') {
    const command = parseApprovalCommand(e.payload, triggerSettings(repo.settings, deps.botLogin));
    if (command) return handleApprovalCommand(deps, log, deliveryId, { repo, event: e.payload, command });
  }
  // A comment on a pull request ABCA opened goes to its watcher, which starts one iteration at a
  // time (a mention), stops on a writer's "stop", and ignores the rest.
  if (
    repo &&
    e.event === 'issue_comment' &&
    e.payload.issue.pull_request != null &&
    (await nudgeWatch(deps.db, repo.repo, e.payload.issue.number))
  ) {
    const rec = await recordDelivery(deps.db, { source: DELIVERY_SOURCE, deliveryId, outcome: 'watcher' });
    log.debug(
      { deliveryId, repo: repo.repo, number: e.payload.issue.number },
      'PR comment handed to the watcher',
    );
    return rec.first
      ? { status: 202, outcome: 'watcher' }
      : { status: 200, outcome: rec.earlier.outcome, replayed: true };
  }
  const decision = decideTrigger(e, triggerSettings(repo?.settings, deps.botLogin));
  if (decision.kind === 'ignore') {
    const rec = await recordDelivery(deps.db, { source: DELIVERY_SOURCE, deliveryId, outcome: 'ignored' });
    log.debug({ deliveryId, event: e.event, reason: decision.reason }, 'GitHub delivery ignored');
    return rec.first
      ? { status: 202, outcome: 'ignored', reason: decision.reason }
      : { status: 200, outcome: rec.earlier.outcome, replayed: true };
  }
  const who = `@${decision.sender}`;
  const refuse = async (why: string, text: string): Promise<DeliveryAnswer> => {
    const outcome = `refused:${why}`;
    const rec = await recordDelivery(deps.db, { source: DELIVERY_SOURCE, deliveryId, outcome });
    if (!rec.first) return { status: 200, outcome: rec.earlier.outcome, replayed: true };
    log.info({ deliveryId, ownerRepo, number: decision.number, why }, 'GitHub request refused');
    // One reply per sender, issue and reason: asking again (a new delivery) is not answered again.
    const replyKey = `${ownerRepo.toLowerCase()}#${decision.number}:${decision.sender.toLowerCase()}:${why}`;
    const reply = await recordDelivery(deps.db, {
      source: REPLY_SOURCE,
      deliveryId: replyKey,
      outcome: 'replied',
    });
    if (deps.api && reply.first)
      await deps.api.createComment(ownerRepo, decision.number, text).catch((err: unknown) => {
        log.warn({ deliveryId, err: (err as Error).message }, 'could not reply on GitHub');
      });
    return { status: 200, outcome, reason: why };
  };

  if (!repo)
    return refuse(
      'not_onboarded',
      `${who} ${ownerRepo} is not onboarded in ABCA, so ABCA cannot take this on. An ABCA admin adds it with \`abca repos add ${ownerRepo}\`.`,
    );
  if (!deps.api) {
    log.warn(
      { deliveryId, ownerRepo },
      'GitHub delivery for an onboarded repo, but no GitHub token or App is set',
    );
    return refuse('github_not_configured', '');
  }
  // Write access is asked of GitHub: the payload's author_association is not trusted.
  const access = await deps.api.permission(ownerRepo, decision.sender).catch((err: unknown) => {
    // Nothing is recorded: GitHub's "Redeliver" (or its next delivery) is handled afresh.
    log.warn({ deliveryId, ownerRepo, err: (err as Error).message }, 'could not check a GitHub sender');
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      `GitHub could not be asked for ${decision.sender}'s access to ${ownerRepo}; redeliver this delivery later.`,
      { cause: err },
    );
  });
  if (!WRITE_ACCESS.includes(access))
    return refuse(
      'no_write_access',
      `${who} only people with write access to ${ownerRepo} can ask ABCA for a task; your access is \`${access}\`.`,
    );
  const sender = await resolveSender(deps.db, 'github', decision.sender, deps.unlinkedUser);
  if (sender.kind === 'unlinked') return refuse('unlinked', `${who} ${howToLink('github', decision.sender)}`);

  const description = decision.request
    ? `Asked by @${decision.sender} in a comment on ${ownerRepo}#${decision.number}:\n\n${decision.request}`.slice(
        0,
        MAX_DESCRIPTION,
      )
    : undefined;
  const body = CreateTaskRequest.parse(
    decision.isPull
      ? {
          repo: repo.repo,
          pr_number: decision.number,
          workflow_ref: 'coding/pr-iteration-v1',
          ...(description ? { task_description: description } : {}),
        }
      : {
          repo: repo.repo,
          issue_number: decision.number,
          ...(description ? { task_description: description } : {}),
        },
  );
  const channelRef: ChannelRef = {
    channel: 'github',
    delivery_id: deliveryId,
    owner_repo: ownerRepo,
    issue_number: decision.number,
    ...(decision.commentId ? { comment_id: decision.commentId } : {}),
    trigger: decision.trigger,
    sender: decision.sender,
  };
  let result: Awaited<ReturnType<typeof submitTask>>;
  try {
    result = await submitTask(deps, {
      userId: sender.userId,
      body,
      idempotencyKey: `github:${deliveryId}`,
      channelRef,
    });
  } catch (err) {
    if (err instanceof AppError)
      return refuse(err.code.toLowerCase(), `${who} ABCA could not start a task: ${err.message}`);
    throw err;
  }
  const taskId = result.task.task_id;
  await recordDelivery(deps.db, { source: DELIVERY_SOURCE, deliveryId, outcome: 'task', taskId });
  return result.kind === 'created'
    ? { status: 201, outcome: 'task', taskId }
    : { status: 200, outcome: 'task', taskId, replayed: true };
}
