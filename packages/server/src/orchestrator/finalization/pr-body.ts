import type { TaskError } from '@abca/contracts';
import type { TaskRow } from '../../store/task-row.ts';
import type { TaskContext } from '../task-context.ts';
import type { GateVerdict } from '../workspace/checks.ts';

const SUMMARY_CHARS = 20_000;

/** The markers around the part of a PR body ABCA rewrites on every push: validation and cost. */
export const VALIDATION_START = '<!-- abca:validation -->';
export const VALIDATION_END = '<!-- /abca:validation -->';

/** What a PR's tasks cost together (the task that opened it and its iterations). */
export interface PrCost {
  tasks: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Review rules the PR body names at most; the rest are counted. */
const RULES_SHOWN = 10;
const RULE_TITLE_CHARS = 120;

/**
 * Untrusted text (a rule's title: from a review, through a model) as one inert line of markdown:
 * no HTML or comment markers, no links, images or emphasis, no mentions that would notify anyone.
 */
export function inertMarkdown(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const cut = line.length > max ? `${line.slice(0, max)}…` : line;
  return cut.replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`).replaceAll('@', '@\u200b');
}

/** The review rules from memory the task's prompt held (docs/memory.md), by title and id. */
export function rulesAppliedLines(rules: readonly { id: string; title: string }[]): string[] {
  if (rules.length === 0) return [];
  const shown = rules.slice(0, RULES_SHOWN);
  const lines = [
    '',
    `**Review rules from memory applied** (${rules.length}):`,
    ...shown.map(
      (r) => `- ${inertMarkdown(r.title, RULE_TITLE_CHARS)} (\`${r.id.replace(/[^A-Za-z0-9_-]/g, '')}\`)`,
    ),
  ];
  if (rules.length > shown.length) lines.push(`- and ${rules.length - shown.length} more`);
  return lines;
}

/**
 * The validation and cost section of a PR body, between its markers: the gate's verdict and
 * checks, why the run stopped early, what the sandbox blocked, the repo config's warnings, the
 * review rules from memory the task applied, and the cost line (`cost`: a sentence of its own,
 * the caller's).
 */
export function validationSection(opts: {
  verdict: GateVerdict;
  limit: TaskError | null;
  blocked: string[];
  warnings: string[];
  cost: string;
  rules?: readonly { id: string; title: string }[];
}): string {
  const { verdict, limit, blocked, warnings } = opts;
  const lines = [
    VALIDATION_START,
    `### Validation (${verdict.mode}): ${verdict.passed ? 'passed' : `failed (${verdict.failing.join(', ')})`}`,
  ];
  if (verdict.checks.length === 0)
    lines.push('No build, test or lint command is configured for this repository.');
  for (const c of verdict.checks) {
    const before = c.baselineOk === null ? '' : ` (baseline: ${c.baselineOk ? 'pass' : 'fail'})`;
    lines.push(`- ${c.ok ? '✅' : '❌'} ${c.name}: \`${c.command}\` exit ${c.exitCode ?? c.killed}${before}`);
    if (!c.ok && c.outputTail) lines.push('', '```', c.outputTail.slice(-3000), '```');
  }
  if (limit) lines.push('', `**Stopped early** (${limit.code}): ${limit.message}`);
  if (blocked.length) lines.push('', `Network requests the sandbox blocked: ${blocked.join(', ')}`);
  if (warnings.length) lines.push('', ...warnings.map((w) => `> ${w}`));
  lines.push(...rulesAppliedLines(opts.rules ?? []));
  lines.push('', `<sub>${opts.cost}</sub>`, VALIDATION_END);
  return lines.join('\n');
}

/** The cost line of one task. */
export function taskCostLine(task: TaskRow): string {
  return `ABCA task ${task.task_id}: ${task.turns} turns, ${task.input_tokens} input / ${task.output_tokens} output tokens, $${task.cost_usd.toFixed(4)}.`;
}

/** The cost line of a PR's tasks, naming the latest. */
export function prCostLine(cost: PrCost, latestTaskId: string): string {
  const iterations = Math.max(0, cost.tasks - 1);
  return `ABCA on this pull request: ${cost.tasks} task${cost.tasks === 1 ? '' : 's'} (${iterations} iteration${iterations === 1 ? '' : 's'}; latest ${latestTaskId}): ${cost.turns} turns, ${cost.inputTokens} input / ${cost.outputTokens} output tokens, $${cost.costUsd.toFixed(4)}.`;
}

/**
 * Puts `section` in place of the body's marked section, keeping everything else as people left
 * it; a body without the markers (edited away) gets the section appended.
 */
export function replaceValidationSection(body: string, section: string): string {
  const start = body.indexOf(VALIDATION_START);
  const end = start === -1 ? -1 : body.indexOf(VALIDATION_END, start);
  const out =
    start === -1 || end === -1
      ? `${body.trimEnd()}\n\n${section}`
      : `${body.slice(0, start)}${section}${body.slice(end + VALIDATION_END.length)}`;
  if (out.length <= BODY_MAX_CHARS) return out;
  // Over what forges take (GitHub: 65,536): the rest of the body is cut, the section kept whole.
  const rest = body.slice(0, Math.max(0, BODY_MAX_CHARS - section.length - 100));
  return `${rest.replaceAll(VALIDATION_START, '').replaceAll(VALIDATION_END, '')}\n[… cut]\n\n${section}`;
}

/** The longest PR body ABCA writes. */
const BODY_MAX_CHARS = 60_000;

/** The body of the PR a new task opens: the agent's summary, the issue it resolves, its validation and cost. */
export function newTaskPrBody(
  task: TaskRow,
  ctx: TaskContext,
  agent: { summary?: string },
  verdict: GateVerdict,
  limit: TaskError | null,
  blocked: string[],
): string {
  // The model's own words: bounded, as forges bound a PR body (GitHub: 65,536 characters).
  const summary = agent.summary?.trim().slice(0, SUMMARY_CHARS);
  const lines = [`${summary || 'Changes made by ABCA.'}`];
  if (task.issue_number) lines.push(`Resolves #${task.issue_number}`);
  lines.push(
    '',
    validationSection({
      verdict,
      limit,
      blocked,
      warnings: ctx.warnings,
      cost: taskCostLine(task),
      rules: ctx.memory?.rules ?? [],
    }),
  );
  return lines.join('\n');
}
