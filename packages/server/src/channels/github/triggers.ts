import { GITHUB_TRIGGERS, type GitHubTrigger, type RepoSettings } from '@abca/contracts';
import type { IssueCommentPayload, IssuesPayload } from './payloads.ts';

/** A GitHub event ABCA may act on, its payload checked (payloads.ts). */
export type GitHubEvent =
  | { event: 'issues'; payload: IssuesPayload }
  | { event: 'issue_comment'; payload: IssueCommentPayload };

/** A repo's triggers (docs/channels.md "GitHub"): which, the label, the name a mention uses. */
export interface TriggerSettings {
  triggers: readonly GitHubTrigger[];
  label: string;
  mention: string;
  /** The App's bot (ABCA_GITHUB_BOT_LOGIN): assigning it triggers; its own comments never do. */
  botLogin: string;
}

export const DEFAULT_TRIGGER_LABEL = 'abca';
export const DEFAULT_MENTION_NAME = 'abca';

/** The settings of a repo, or the defaults (used to tell a non-onboarded repo's sender how to add it). */
export function triggerSettings(settings: RepoSettings | undefined, botLogin: string): TriggerSettings {
  return {
    triggers: settings?.github_triggers ?? GITHUB_TRIGGERS,
    label: settings?.trigger_label ?? DEFAULT_TRIGGER_LABEL,
    mention: settings?.mention_name ?? DEFAULT_MENTION_NAME,
    botLogin,
  };
}

export type TriggerDecision =
  | { kind: 'ignore'; reason: string }
  | {
      kind: 'trigger';
      trigger: GitHubTrigger;
      ownerRepo: string;
      /** The issue or PR the request is on. */
      number: number;
      isPull: boolean;
      commentId?: number;
      sender: string;
      /** A mention's request text (untrusted: it becomes the task's description, fenced in the prompt). */
      request?: string;
    };

/** The hidden marker of ABCA's status comment (status-comment.ts): a comment holding it never triggers. */
export const STATUS_MARKER_PREFIX = '<!-- abca:task:';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A comment without its code (fenced and inline) and its quoted lines: what a person wrote to ABCA. */
export function visibleText(body: string): string {
  return body
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('>'))
    .join('\n');
}

/**
 * Whether `body` mentions `@name` outside quoted lines and code, and the request around it (the
 * comment without the mention); undefined when it does not mention it.
 */
export function mentionRequest(body: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mention = new RegExp(`(^|[^A-Za-z0-9_\\-/@.\`])@${escaped}(?![A-Za-z0-9_\\-\\[])`, 'i');
  if (!mention.test(visibleText(body))) return undefined;
  return body.replace(mention, '$1').trim();
}

/** What a delivery asks of ABCA under a repo's triggers: a task, or nothing (and why). */
export function decideTrigger(e: GitHubEvent, s: TriggerSettings): TriggerDecision {
  const p = e.payload;
  const base = {
    ownerRepo: p.repository.full_name,
    number: p.issue.number,
    isPull: p.issue.pull_request != null,
    sender: p.sender.login,
  };
  if (same(p.sender.login, s.botLogin)) return { kind: 'ignore', reason: 'sent by the bot itself' };
  if (e.event === 'issues') {
    const { action, label, assignee } = e.payload;
    if (action === 'labeled') {
      if (!label || !same(label.name, s.label)) return { kind: 'ignore', reason: 'not the trigger label' };
      if (!s.triggers.includes('label')) return { kind: 'ignore', reason: 'label trigger disabled' };
      return { kind: 'trigger', trigger: 'label', ...base };
    }
    if (action === 'assigned') {
      if (!assignee || !same(assignee.login, s.botLogin))
        return { kind: 'ignore', reason: 'not assigned to the bot' };
      if (!s.triggers.includes('assign')) return { kind: 'ignore', reason: 'assign trigger disabled' };
      return { kind: 'trigger', trigger: 'assign', ...base };
    }
    return { kind: 'ignore', reason: `issues.${action} is not a trigger` };
  }
  const { action, comment } = e.payload;
  if (action !== 'created') return { kind: 'ignore', reason: `issue_comment.${action} is not a trigger` };
  if (same(comment.user.login, s.botLogin)) return { kind: 'ignore', reason: 'written by the bot itself' };
  const body = comment.body ?? '';
  if (body.includes(STATUS_MARKER_PREFIX)) return { kind: 'ignore', reason: 'an ABCA status comment' };
  const request = mentionRequest(body, s.mention);
  if (request === undefined) return { kind: 'ignore', reason: `does not mention @${s.mention}` };
  if (!s.triggers.includes('mention')) return { kind: 'ignore', reason: 'mention trigger disabled' };
  return { kind: 'trigger', trigger: 'mention', ...base, commentId: comment.id, request };
}
