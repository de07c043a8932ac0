import type { Approval } from '@abca/contracts';
import { pendingApproval } from '../../approvals/approval-store.ts';
import type { Logger } from '../../ops/logger.ts';
import type { ChannelMessages, ChannelNotice, ChannelNotifier } from '../../ports/channel-notifier.ts';
import { ForgeError } from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import { getRepo } from '../../store/repo-store.ts';
import type { TaskRow } from '../../store/task-row.ts';
import type { GitHubChannelApi } from './github-api.ts';
import { renderStatusComment, statusMarker } from './status-comment.ts';
import { DEFAULT_MENTION_NAME } from './triggers.ts';

export interface GitHubNotifierDeps {
  db: Queryable;
  /** undefined when no GitHub token or App is configured: every delivery fails (and is retried). */
  api: GitHubChannelApi | undefined;
  log: Logger;
  /** The App's bot login: its comments are searched first for a lost status comment. */
  botLogin: string;
}

const STATUS = 'status';

/**
 * Answers on GitHub (docs/channels.md "GitHub"): 👀 on what triggered the task, and ONE status
 * comment on the issue or PR, edited in place to the task's current state. The comment is found
 * again by its stored id; after a crash between posting it and storing its id, by its hidden
 * marker among the issue's comments: never two. Idempotent: delivering the same notices again
 * leaves GitHub as it was (a reaction is GitHub's own no-op when it exists).
 */
export function createGitHubChannelNotifier(deps: GitHubNotifierDeps): ChannelNotifier {
  return {
    channel: 'github',
    async deliver(task: TaskRow, notices: ChannelNotice[], messages: ChannelMessages) {
      // The dispatcher reads the task's row just before it calls: no second read here.
      const ref = task.channel_ref;
      if (ref?.channel !== 'github') {
        deps.log.warn({ taskId: task.task_id }, 'GitHub notice for a task without a GitHub reference');
        return;
      }
      const api = deps.api;
      if (!api)
        throw new Error('GitHub is not configured (ABCA_GITHUB_TOKEN or the ABCA_GITHUB_APP_* settings)');
      if (notices.some((n) => n.eventType === 'task.created')) {
        const target = ref.comment_id ? { comment: ref.comment_id } : { issue: ref.issue_number };
        await api.react(ref.owner_repo, target, 'eyes').catch((err: unknown) => {
          // The comment or issue is gone: nothing to react on, the status comment still matters.
          if (err instanceof ForgeError && !err.retryable && err.code !== 'INSUFFICIENT_PERMISSIONS') {
            deps.log.warn({ taskId: task.task_id, err: err.message }, 'could not react on GitHub');
            return;
          }
          throw err;
        });
      }
      const body = renderStatusComment(task, await prUrlOf(deps.db, task), await pendingOf(deps.db, task));
      await upsertStatusComment(
        api,
        deps.botLogin,
        messages,
        task.task_id,
        ref.owner_repo,
        ref.issue_number,
        body,
      );
    },
  };
}

async function upsertStatusComment(
  api: GitHubChannelApi,
  botLogin: string,
  messages: ChannelMessages,
  taskId: string,
  ownerRepo: string,
  issue: number,
  body: string,
): Promise<void> {
  const stored = await messages.get(taskId, STATUS);
  if (stored && (await api.updateComment(ownerRepo, Number(stored), body))) return;
  // Never stored (a crash after posting), or deleted since: look for the marker first.
  const marker = statusMarker(taskId);
  const bot = botLogin.toLowerCase();
  const found = (await api.listComments(ownerRepo, issue))
    .filter((c) => c.body.includes(marker) && String(c.id) !== stored)
    .sort((a, b) => Number(b.login.toLowerCase() === bot) - Number(a.login.toLowerCase() === bot));
  for (const c of found) {
    const edited = await api.updateComment(ownerRepo, c.id, body).catch((err: unknown) => {
      // Someone else's comment holding the marker: not ours to edit.
      if (err instanceof ForgeError && err.code === 'INSUFFICIENT_PERMISSIONS') return false;
      throw err;
    });
    if (edited) {
      await messages.save(taskId, STATUS, String(c.id));
      return;
    }
  }
  const id = await api.createComment(ownerRepo, issue, body);
  await messages.save(taskId, STATUS, String(id));
}

/** The request a waiting task shows, with the repo's mention name for the commands that decide it. */
async function pendingOf(
  db: Queryable,
  task: TaskRow,
): Promise<{ approval: Approval; mention: string } | undefined> {
  if (task.status !== 'AWAITING_APPROVAL') return undefined;
  const approval = await pendingApproval(db, task.task_id);
  if (!approval) return undefined;
  const repo = await getRepo(db, task.repo);
  return { approval, mention: repo?.settings.mention_name ?? DEFAULT_MENTION_NAME };
}

/** The PR link: on the task once it ended, else from the `finalization.pr_opened` event. */
async function prUrlOf(db: Queryable, task: TaskRow): Promise<string | undefined> {
  if (task.pr_url) return task.pr_url;
  const res = await db.query<{ url: unknown }>(
    `SELECT data->'url' AS url FROM task_events WHERE task_id = $1 AND type = 'finalization.pr_opened'
     ORDER BY seq DESC LIMIT 1`,
    [task.task_id],
  );
  const url = res.rows[0]?.url;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
}
