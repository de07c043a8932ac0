import { APPROVAL_GATE_NAMES, type Approval, validationInWords } from '@abca/contracts';

const GATE_NAMES = APPROVAL_GATE_NAMES;

/**
 * Untrusted text (the agent's plan, diff stat, tool call) as a Markdown code block whose fence is
 * longer than any backtick run in it: it cannot close the block, render markup, link or ping.
 */
export function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text.replace(/\r/g, '')}\n${fence}`;
}

function asked(a: Approval): string {
  const r = a.request;
  if (r.gate === 'push') {
    const validation = validationInWords(r.validation_passed);
    return `Push ${r.commits} commit${r.commits === 1 ? '' : 's'} (${validation}):\n\n${fenced(r.diff_stat)}`;
  }
  if (r.gate === 'plan') return `The agent's plan (round ${r.round}):\n\n${fenced(r.plan)}`;
  return `The tool call \`${r.tool.replace(/`/g, "'")}\` (${r.rule.replace(/[`@\r\n]/g, ' ')}):\n\n${fenced(r.input)}`;
}

/**
 * The request a waiting task shows in its status comment: what it asks, until when, and how to
 * decide: `@<mention> approve [reason]` / `@<mention> deny <reason>` by a person with write access
 * (the commands are in code spans: the comment itself never mentions anyone).
 */
export function approvalSection(taskId: string, a: Approval, mention: string): string {
  return [
    `**Approval needed: the ${GATE_NAMES[a.gate]}** (\`${a.approval_id}\`, until ${a.expires_at})`,
    '',
    asked(a),
    '',
    'To decide, someone with write access to this repository comments:',
    `- \`@${mention} approve\` (a reason may follow), or`,
    `- \`@${mention} deny <reason>\` (the reason is kept with the task${a.gate === 'push' ? '; nothing is pushed' : ' and read by the agent'}).`,
    '',
    `From the CLI: \`abca approve ${taskId}\` or \`abca deny ${taskId} --reason "..."\`.`,
  ].join('\n');
}
