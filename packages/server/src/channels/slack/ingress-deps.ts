import type { WebClient } from '@slack/web-api';
import type { ApiDeps } from '../../api/deps.ts';
import type { Logger } from '../../ops/logger.ts';

/** What Slack's ingress needs: the API's deps, and a Web API client for replies (none without a bot token). */
export type SlackIngressDeps = Pick<ApiDeps, 'db' | 'log' | 'orchestrator' | 'config' | 'channelLimiter'> & {
  slack: WebClient | undefined;
};

/**
 * A reply only the asking user sees, sent after Slack got its answer (an ingress never waits on a
 * Slack call: Slack wants its answer within 3 s). Best effort: a failure is logged.
 */
export function replyLater(
  deps: { slack: WebClient | undefined; log: Logger },
  to: { channel: string; user: string; threadTs?: string | undefined },
  text: string,
): void {
  if (!deps.slack) {
    deps.log.warn({ channel: to.channel }, 'slack reply not sent: ABCA_SLACK_BOT_TOKEN is not set');
    return;
  }
  const slack = deps.slack;
  setImmediate(() => {
    slack.chat
      .postEphemeral({
        channel: to.channel,
        user: to.user,
        text,
        ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
      })
      .catch((err: unknown) =>
        deps.log.warn({ err: (err as Error).message, channel: to.channel }, 'slack reply failed'),
      );
  });
}

/**
 * Opens a modal for the user of an interaction (views.open with its trigger: Slack gives 3 s), right
 * after Slack got its answer. When Slack refuses, the user is told how else to decide.
 */
export function openViewLater(
  deps: { slack: WebClient | undefined; log: Logger },
  open: { triggerId: string; view: Record<string, unknown> },
  to: { channel: string; user: string } | undefined,
): void {
  if (!deps.slack) {
    deps.log.warn('slack modal not opened: ABCA_SLACK_BOT_TOKEN is not set');
    return;
  }
  const slack = deps.slack;
  setImmediate(() => {
    slack.views.open({ trigger_id: open.triggerId, view: open.view as never }).catch((err: unknown) => {
      deps.log.warn({ err: (err as Error).message }, 'slack modal could not be opened');
      if (to)
        replyLater(
          deps,
          to,
          'Slack could not open the form to deny with. Click Deny again, or deny from the CLI: `abca deny <task> --reason "..."`.',
        );
    });
  });
}
