import type { MemoryCitation, MemoryRecord } from '@abca/contracts';
import type { Memory } from '../ports/memory.ts';
import type { TaskRow } from '../store/task-row.ts';

const ASKED_CHARS = 600;
const DONE_CHARS = 1200;
const FILES_LISTED = 30;
const FILE_CITATIONS = 10;

/** The dedupe key of a task's episode: one per task, however often the step runs. */
export const episodeKey = (taskId: string) => `episode:${taskId}`;

/** What finalization left in the task's outcome that an episode tells. */
interface EpisodeFacts {
  asked: string;
  done: string | undefined;
  files: string[];
  validation: 'passed' | 'failed' | 'not run';
  pr: { number: number; url: string } | undefined;
}

function bounded(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

export function episodeFacts(task: TaskRow): EpisodeFacts {
  const o = (task.outcome ?? {}) as {
    agent?: { summary?: unknown };
    files?: unknown;
    validation?: { passed?: unknown };
    pr?: { number?: unknown; url?: unknown };
  };
  const asked =
    task.task_description ??
    (task.issue_number ? `Issue #${task.issue_number}` : task.pr_number ? `PR #${task.pr_number}` : 'a task');
  const files = Array.isArray(o.files) ? o.files.filter((f): f is string => typeof f === 'string') : [];
  const passed = o.validation?.passed;
  return {
    asked: bounded(asked, ASKED_CHARS),
    done: typeof o.agent?.summary === 'string' ? bounded(o.agent.summary, DONE_CHARS) : undefined,
    files,
    validation: passed === true ? 'passed' : passed === false ? 'failed' : 'not run',
    pr:
      typeof o.pr?.number === 'number' && typeof o.pr?.url === 'string'
        ? { number: o.pr.number, url: o.pr.url }
        : undefined,
  };
}

const WHAT: Record<string, string> = {
  'coding/new-task-v1': 'Task',
  'coding/pr-iteration-v1': 'Iteration',
  'coding/pr-review-v1': 'Review',
};

/** The line of an episode's body that tells its PR's outcome (rewritten once the watcher knows it). */
export const PR_OUTCOME_PREFIX = 'PR outcome: ';

/** The episode of a finished task: its body and citations, from the task row alone. */
export function episodeOf(task: TaskRow): { title: string; body: string; citations: MemoryCitation[] } {
  const f = episodeFacts(task);
  const what = WHAT[task.workflow_ref] ?? 'Task';
  const title = bounded(`${what} ${task.status.toLowerCase()}: ${f.asked}`, 200);
  const listed = f.files.slice(0, FILES_LISTED);
  const lines = [
    `Asked: ${f.asked}`,
    `Done: ${f.done ?? '(no summary)'}`,
    `Files touched: ${listed.length ? listed.join(', ') : 'none'}${f.files.length > listed.length ? ` (+${f.files.length - listed.length} more)` : ''}`,
    `Validation: ${f.validation}`,
    `Status: ${task.status}${task.error ? ` (${task.error.code})` : ''}`,
    `Cost: $${task.cost_usd.toFixed(4)}, ${task.turns} turns`,
    f.pr ? `PR: #${f.pr.number} ${f.pr.url}` : 'PR: none',
    ...(f.pr ? [`${PR_OUTCOME_PREFIX}open`] : []),
  ];
  const citations: MemoryCitation[] = [
    { kind: 'task', task_id: task.task_id },
    ...f.files.slice(0, FILE_CITATIONS).map((path) => ({ kind: 'file' as const, path })),
  ];
  return { title, body: lines.join('\n'), citations };
}

/** Writes the task's episode, once (a re-run returns the record stored first). */
export async function writeEpisode(
  memory: Memory,
  task: TaskRow,
  scrub: (text: string) => string,
): Promise<MemoryRecord> {
  const { title, body, citations } = episodeOf(task);
  return memory.add({
    repo: task.repo,
    kind: 'episode',
    title: scrub(title),
    body: scrub(body),
    citations,
    provenance: { source: 'task', task_id: task.task_id },
    dedupeKey: episodeKey(task.task_id),
  });
}

/** The episode's body with its PR outcome line set to `outcome`. */
export function withPrOutcome(body: string, outcome: 'merged' | 'revised' | 'rejected'): string {
  const lines = body.split('\n').filter((l) => !l.startsWith(PR_OUTCOME_PREFIX));
  return [...lines, `${PR_OUTCOME_PREFIX}${outcome}`].join('\n');
}
