import { APPROVAL_GATE_NAMES, type Approval, validationInWords } from '@abca/contracts';
import { plain } from './commands/pr-review.ts';
import type { Colors } from './output.ts';

const GATE_NAMES = APPROVAL_GATE_NAMES;

/** The commands that decide a task's pending request, for `status`, `approvals` and the live view. */
export function decideCommands(taskId: string): string[] {
  return [`abca approve ${taskId} [--reason "..."]`, `abca deny ${taskId} --reason "..."`];
}

/**
 * A pending request, for people: what it asks (the agent's text shown with control characters
 * as `?`: it is untrusted), until when, and what to run to decide.
 */
export function pendingApprovalLines(taskId: string, a: Approval, c: Colors): string[] {
  const lines = [
    `${c.yellow('⏸')} ${c.bold(`waiting for approval of the ${GATE_NAMES[a.gate]}`)} (${a.approval_id}, until ${a.expires_at})`,
  ];
  const r = a.request;
  const body: string[] = [];
  if (r.gate === 'push') {
    const validation = validationInWords(r.validation_passed);
    body.push(`push ${r.commits} commit${r.commits === 1 ? '' : 's'} to ${plain(r.branch)} (${validation})`);
    body.push(...plain(r.diff_stat).split('\n').slice(0, 40));
  } else if (r.gate === 'plan') {
    body.push(`plan, round ${r.round}:`);
    body.push(...plain(r.plan).split('\n').slice(0, 60));
    body.push(c.dim('(edit it: abca approve <task> --plan-file edited.md)'));
  } else {
    body.push(`${plain(r.tool)}: ${plain(r.input).replace(/\n/g, ' ').slice(0, 400)}`);
    body.push(`rule: ${plain(r.rule)}`);
  }
  for (const l of body) lines.push(`  ${l}`);
  lines.push(`  ${c.bold('decide:')} ${decideCommands(taskId).join('   or   ')}`);
  return lines;
}
