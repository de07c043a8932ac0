import type { Approval } from '@abca/contracts';
import type { HtmlEscapedString } from 'hono/utils/html';
import { csrfField } from '../layout.ts';
import type { Session } from '../session-store.ts';
import { when } from './format.ts';
import { h } from './markup.ts';

/** What the person is asked: the proposed plan, the push, or the tool call (all the agent's text). */
function ask(a: Approval): HtmlEscapedString {
  const r = a.request;
  if (r.gate === 'plan') {
    return h`<p>The agent proposes this plan (round ${r.round}) before it edits anything:</p><pre class="plan">${r.plan}</pre>`;
  }
  if (r.gate === 'push') {
    const validation = r.validation_passed === null ? 'not run' : r.validation_passed ? 'passed' : 'failed';
    return h`<p>Push ${r.commits} commit${r.commits === 1 ? '' : 's'} to <code>${r.branch}</code> (validation ${validation}):</p><pre class="diff-stat">${r.diff_stat}</pre>`;
  }
  return h`<p>Run the tool <code>${r.tool}</code>? It matched a rule: ${r.rule}.</p><pre class="tool-input">${r.input}</pre>`;
}

/**
 * The pending request of a task in AWAITING_APPROVAL (`#approval`) with its two forms: approve
 * (`form.action-approve`: a plan may be edited, a reason given) and deny (`form.action-deny`: a
 * reason is required; it goes to the agent). Each names the request it decides, so a stale page
 * cannot decide a newer one. `typed` keeps what the person wrote when a decision was refused.
 */
export function approvalSection(
  taskId: string,
  a: Approval,
  session: Session,
  typed: { plan?: string; reason?: string; denyReason?: string } = {},
): HtmlEscapedString {
  const plan = a.request.gate === 'plan' ? (typed.plan ?? a.request.plan) : undefined;
  return h`<section class="card approval" id="approval" data-approval="${a.approval_id}">
<h2>Waiting for your decision: ${a.gate} gate</h2>
${ask(a)}
<p class="muted">Asked ${when(a.created_at)}; denied by itself at ${when(a.expires_at)} if nobody decides.</p>
<div class="decide">
<form class="action-approve" method="post" action="/tasks/${taskId}/approve">${csrfField(session)}
<input type="hidden" name="approval_id" value="${a.approval_id}">
${plan !== undefined ? h`<label for="approve-plan">Plan to follow (edit it to change what the agent does)</label><textarea id="approve-plan" name="plan">${plan}</textarea>` : ''}
<label for="approve-reason">Reason (optional)</label><input type="text" id="approve-reason" name="reason" value="${typed.reason ?? ''}">
<button type="submit">Approve</button>
</form>
<form class="action-deny" method="post" action="/tasks/${taskId}/deny">${csrfField(session)}
<input type="hidden" name="approval_id" value="${a.approval_id}">
<label for="deny-reason">Reason (required: the agent reads it)</label><textarea id="deny-reason" name="reason" required>${typed.denyReason ?? ''}</textarea>
<button type="submit" class="danger">Deny</button>
</form>
</div>
</section>`;
}
