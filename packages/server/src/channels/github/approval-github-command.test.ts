import type { Approval } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { parseApprovalCommand } from './approval-command.ts';
import { approvalSection, fenced } from './approval-section.ts';
import type { IssueCommentPayload } from './payloads.ts';
import { triggerSettings } from './triggers.ts';

const settings = triggerSettings({ mention_name: 'abca' } as never, 'abca-bot');

function comment(body: string, login = 'alice', action = 'created'): IssueCommentPayload {
  return {
    action,
    issue: { number: 4 },
    comment: { id: 77, body, user: { login } },
    repository: { full_name: 'acme/web' },
    sender: { login },
  } as unknown as IssueCommentPayload;
}

describe('GitHub approval commands', () => {
  it('reads `@abca approve [reason]` and `@abca deny <reason>` at the start of a new comment', () => {
    expect(parseApprovalCommand(comment('@abca approve'), settings)).toMatchObject({
      verb: 'approve',
      reason: undefined,
      sender: 'alice',
      commentId: 77,
    });
    expect(parseApprovalCommand(comment('@ABCA Approve  ship it\n'), settings)).toMatchObject({
      verb: 'approve',
      reason: 'ship it',
    });
    expect(parseApprovalCommand(comment('@abca deny Not now.\nSee #3.'), settings)).toMatchObject({
      verb: 'deny',
      reason: 'Not now.\nSee #3.',
    });
    expect(parseApprovalCommand(comment('> quoted\n@abca deny no'), settings)?.reason).toBe('no');
    expect(parseApprovalCommand(comment(`@abca deny ${'x'.repeat(5000)}`), settings)?.reason).toHaveLength(
      4000,
    );
  });

  it('leaves everything else to the triggers: other words, quotes, code, edits and the bot itself', () => {
    for (const body of [
      '@abca approved the plan yesterday',
      '@abca approvethis',
      'please @abca approve',
      '> @abca approve',
      '`@abca approve`',
      '```\n@abca approve\n```',
      '@abca fix the greeting',
      '@abcabot approve',
    ])
      expect(parseApprovalCommand(comment(body), settings), body).toBeUndefined();
    expect(parseApprovalCommand(comment('@abca approve', 'alice', 'edited'), settings)).toBeUndefined();
    expect(parseApprovalCommand(comment('@abca approve', 'ABCA-bot'), settings)).toBeUndefined();
  });

  it("shows the agent's text in a code block it cannot close", () => {
    const hostile = 'fix\n````\n@everyone [x](https://evil.example) ```';
    const block = fenced(hostile);
    expect(block.startsWith('`````text\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
    const approval: Approval = {
      approval_id: 'apr_01',
      task_id: '01TASK',
      gate: 'plan',
      state: 'pending',
      request: { gate: 'plan', plan: hostile, round: 1 },
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-02T00:00:00.000Z',
      decided_at: null,
      decided_by: null,
      channel: null,
      reason: null,
      edited_plan: null,
    };
    const section = approvalSection('01TASK', approval, 'bot');
    expect(section).toContain('`@bot approve`');
    expect(section).toContain('`@bot deny <reason>`');
    expect(section).toContain(block);
  });
});
