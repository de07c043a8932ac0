import type { Approval } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { approvalSection } from './approval.ts';

const session = { principal: { userId: 'rita', role: 'member' as const, keyId: 'k1' }, csrfToken: 'tok' };
const base = {
  approval_id: 'apr_1',
  task_id: 'T',
  state: 'pending' as const,
  created_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-02T00:00:00.000Z',
  decided_at: null,
  decided_by: null,
  channel: null,
  reason: null,
  edited_plan: null,
};

describe('the pending approval section', () => {
  it('pre-fills the proposed plan in the approve form, escaped, and requires a reason to deny', () => {
    const a: Approval = {
      ...base,
      gate: 'plan',
      request: { gate: 'plan', plan: '1. Edit <b>x</b>\n2. Test', round: 2 },
    };
    const out = approvalSection('T', a, session).toString();
    expect(out).toContain('id="approval"');
    expect(out).toContain('round 2');
    expect(out).toContain(
      '<textarea id="approve-plan" name="plan">1. Edit &lt;b&gt;x&lt;/b&gt;\n2. Test</textarea>',
    );
    expect(out).toContain('<input type="hidden" name="approval_id" value="apr_1">');
    expect(out).toContain('<input type="hidden" name="_csrf" value="tok">');
    expect(out).toMatch(/<textarea id="deny-reason" name="reason" required>/);
    expect(out).not.toContain('<b>x</b>');
  });

  it('keeps what was typed when a decision was refused', () => {
    const a: Approval = { ...base, gate: 'plan', request: { gate: 'plan', plan: 'proposed', round: 1 } };
    const out = approvalSection('T', a, session, { plan: 'my edit', denyReason: 'no <way>' }).toString();
    expect(out).toContain('name="plan">my edit</textarea>');
    expect(out).toContain('required>no &lt;way&gt;</textarea>');
  });

  it('shows a tool call with its rule, and has no plan box for other gates', () => {
    const a: Approval = {
      ...base,
      gate: 'tool',
      request: { gate: 'tool', tool: 'bash', input: 'git push --force', rule: 'command matches ^git push' },
    };
    const out = approvalSection('T', a, session).toString();
    expect(out).toContain('<pre class="tool-input">git push --force</pre>');
    expect(out).toContain('command matches ^git push');
    expect(out).not.toContain('name="plan"');
  });
});
