import type { ForgeContext, RepoRef } from '../ports/forge.ts';
import type { Memory } from '../ports/memory.ts';
import type { Workspaces } from '../ports/workspaces.ts';
import type { TaskRow } from '../store/task-row.ts';
import { memoryOff, type Retrieval, retrieveMemories } from './retrieve.ts';

/** What hydration puts in the prompt and keeps on the task (`TaskContext.memory`). */
export interface HydratedMemory {
  section: string;
  context: MemoryContext;
}

/** The `memory.retrieved` event's data. */
export interface MemoryRetrievedData {
  records: { id: string; kind: Retrieval['chosen'][number]['kind']; title: string }[];
  chars: number;
  left_out: number;
  stale_citations: number;
}

/**
 * What hydration keeps on the task (`TaskContext.memory`): the records the prompt holds, its
 * review rules (for the PR body), and the event, so a re-run records the use without searching.
 */
export interface MemoryContext {
  ids: string[];
  rules: { id: string; title: string }[];
  event: MemoryRetrievedData;
}

/**
 * Records that the task used its memory: each record marked used (once per task, however often
 * this runs) and `memory.retrieved` written, unless an earlier run of the step wrote it.
 */
export async function recordMemoryUse(
  deps: { memory: Pick<Memory, 'markUsed'> },
  task: { repo: string; task_id: string },
  memory: MemoryContext,
  emitted: () => Promise<boolean>,
  emit: (data: MemoryRetrievedData) => Promise<void>,
): Promise<void> {
  await deps.memory.markUsed(task.repo, task.task_id, memory.ids);
  if (!(await emitted())) await emit(memory.event);
}

/** A review rule's title as the PR body and events name it: one line, bounded. */
const TITLE_MAX = 200;

/**
 * Memory for a task at hydration, unless it is off (budget 0, the repo's `memory: false`, the
 * task's `memory: false`): undefined then, and nothing is searched. A task on a pull request
 * checks citations at the PR's head; others at the default branch.
 */
export async function hydrateMemory(
  deps: { memory: Pick<Memory, 'search'>; workspaces: Pick<Workspaces, 'readFiles'> },
  input: {
    repo: RepoRef;
    task: Pick<TaskRow, 'repo' | 'user_id' | 'task_description' | 'memory'>;
    repoMemory: boolean | undefined;
    forge: ForgeContext;
    budgetChars: number;
    redact?: (text: string) => string;
  },
): Promise<HydratedMemory | undefined> {
  const off = memoryOff({
    budgetChars: input.budgetChars,
    repoMemory: input.repoMemory,
    taskMemory: input.task.memory,
  });
  if (off) return undefined;
  const pr = input.forge.pullRequest;
  const got = await retrieveMemories(deps, {
    repo: input.repo,
    task: input.task,
    forge: input.forge,
    budgetChars: input.budgetChars,
    ...(input.redact ? { redact: input.redact } : {}),
    refs: pr ? [pr.headSha, pr.branch].filter(Boolean) : [],
  });
  const title = (t: string) => t.replace(/\s+/g, ' ').trim().slice(0, TITLE_MAX);
  return {
    section: got.section,
    context: {
      ids: got.chosen.map((r) => r.id),
      rules: got.chosen
        .filter((r) => r.kind === 'review_rule')
        .map((r) => ({ id: r.id, title: title(r.title) })),
      event: {
        records: got.chosen.map((r) => ({ id: r.id, kind: r.kind, title: title(r.title) })),
        chars: got.section.length,
        left_out: got.leftOut,
        stale_citations: got.staleCitations,
      },
    },
  };
}
