import type { RepoSettings } from '@abca/contracts';
import type { MemoryContext } from '../memory/hydrate-memory.ts';
import type { TaskRow } from '../store/task-row.ts';
import type { IterationContext } from './pr-iteration/iteration-context.ts';
import type { CheckResult } from './workspace/checks.ts';

/** What hydration and pre-flight store on the task for the later steps (the `context` column). */
export interface TaskContext {
  prompt: string;
  settings: RepoSettings;
  instructions: string[];
  warnings: string[];
  /** The issue or PR the prompt was built from (their text is in the prompt, not kept twice). */
  refs?: { issue: number | null; pullRequest: number | null };
  /**
   * The pull request a PR workflow (iteration, review) works on, as hydration found it: the
   * workspace starts at its branch head, not at the default branch.
   */
  pr?: { number: number; branch: string; base: string; headSha: string };
  /** An iteration's review threads (their short ids) and ABCA's last push on the PR. */
  iteration?: IterationContext;
  /**
   * The memory records the prompt holds (memory/hydrate-memory.ts), kept so a re-run does not
   * search again; `rules`: its review rules by id and title, for the PR body's "rules applied".
   */
  memory?: MemoryContext;
  baseCommit?: string;
  baseline?: CheckResult[];
}

export function taskContext(task: TaskRow): TaskContext | undefined {
  const c = task.context as Partial<TaskContext> | null;
  return c?.prompt !== undefined && c.settings ? (c as TaskContext) : undefined;
}
