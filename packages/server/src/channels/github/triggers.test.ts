import { describe, expect, it } from 'vitest';
import type { IssueCommentPayload, IssuesPayload } from './payloads.ts';
import { decideTrigger, mentionRequest, type TriggerSettings, triggerSettings } from './triggers.ts';

const S: TriggerSettings = triggerSettings(undefined, 'abca[bot]');
const repository = { full_name: 'acme/app' };
const issue = { number: 7 };
const issues = (p: Partial<IssuesPayload>): { event: 'issues'; payload: IssuesPayload } => ({
  event: 'issues',
  payload: { action: 'labeled', issue, repository, sender: { login: 'alice' }, ...p },
});
const comment = (
  body: string,
  p: Partial<IssueCommentPayload> = {},
): { event: 'issue_comment'; payload: IssueCommentPayload } => ({
  event: 'issue_comment',
  payload: {
    action: 'created',
    issue,
    comment: { id: 99, body, user: { login: 'alice' } },
    repository,
    sender: { login: 'alice' },
    ...p,
  },
});

describe('GitHub triggers', () => {
  it('fires on the trigger label (any case), not on another label', () => {
    expect(decideTrigger(issues({ label: { name: 'ABCA' } }), S)).toMatchObject({
      kind: 'trigger',
      trigger: 'label',
      ownerRepo: 'acme/app',
      number: 7,
      isPull: false,
      sender: 'alice',
    });
    expect(decideTrigger(issues({ label: { name: 'bug' } }), S).kind).toBe('ignore');
    const custom = triggerSettings({ trigger_label: 'agent please' }, 'abca[bot]');
    expect(decideTrigger(issues({ label: { name: 'agent please' } }), custom).kind).toBe('trigger');
    expect(decideTrigger(issues({ label: { name: 'abca' } }), custom).kind).toBe('ignore');
  });

  it('fires on an assignment to the bot only', () => {
    const assigned = (login: string) => issues({ action: 'assigned', assignee: { login } });
    expect(decideTrigger(assigned('abca[bot]'), S)).toMatchObject({ kind: 'trigger', trigger: 'assign' });
    expect(decideTrigger(assigned('bob'), S).kind).toBe('ignore');
    expect(decideTrigger(issues({ action: 'opened' }), S).kind).toBe('ignore');
  });

  it('fires on a mention with the request around it; on a PR it says so', () => {
    expect(decideTrigger(comment('@abca please add a greeting'), S)).toMatchObject({
      kind: 'trigger',
      trigger: 'mention',
      commentId: 99,
      request: 'please add a greeting',
    });
    const onPull = comment('Hey @ABCA fix the review comments', { issue: { number: 8, pull_request: {} } });
    expect(decideTrigger(onPull, S)).toMatchObject({ kind: 'trigger', isPull: true, number: 8 });
    expect(decideTrigger(comment('no mention here'), S).kind).toBe('ignore');
    expect(decideTrigger(comment('@abca x', { action: 'edited' }), S).kind).toBe('ignore');
  });

  it('ignores the bot itself, its status comments, and disabled triggers', () => {
    expect(decideTrigger(comment('@abca again', { sender: { login: 'abca[bot]' } }), S).kind).toBe('ignore');
    expect(
      decideTrigger(
        comment('@abca loop', { comment: { id: 1, body: '@abca', user: { login: 'ABCA[bot]' } } }),
        S,
      ).kind,
    ).toBe('ignore');
    expect(decideTrigger(comment('@abca\n<!-- abca:task:T1 -->'), S).kind).toBe('ignore');
    const onlyLabel = triggerSettings({ github_triggers: ['label'] }, 'abca[bot]');
    expect(decideTrigger(comment('@abca do it'), onlyLabel).kind).toBe('ignore');
    expect(
      decideTrigger(issues({ action: 'assigned', assignee: { login: 'abca[bot]' } }), onlyLabel).kind,
    ).toBe('ignore');
  });

  it('reads a mention as a word outside quotes and code', () => {
    expect(mentionRequest('@abca do it', 'abca')).toBe('do it');
    expect(mentionRequest('cc @abcabot', 'abca')).toBeUndefined();
    expect(mentionRequest('mail me at me@abca.dev', 'abca')).toBeUndefined();
    expect(mentionRequest('> @abca do it\nthanks', 'abca')).toBeUndefined();
    expect(mentionRequest('run `@abca` later', 'abca')).toBeUndefined();
    expect(mentionRequest('```\n@abca\n```\nok', 'abca')).toBeUndefined();
    expect(mentionRequest('@abca[bot] go', 'abca[bot]')).toBe('go');
    expect(mentionRequest('@abca[bot] go', 'abca')).toBeUndefined();
  });
});
