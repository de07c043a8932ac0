import type { MemoryRecord } from '@abca/contracts';
import type { ForgeContext, RepoRef } from '../ports/forge.ts';
import type { Memory } from '../ports/memory.ts';
import type { Workspaces } from '../ports/workspaces.ts';
import { checkCitations, citedFiles } from './citations.ts';
import { buildMemoryQuery } from './query.ts';
import { MEMORY_SECTION_HEAD, renderedSize, renderMemorySection } from './render.ts';
import { selectMemories } from './select.ts';

/** Files checked per `readFiles` call (one `git ls-tree` each: its listing stays small). */
const CHECK_CHUNK = 100;

/** A record with secrets scrubbed from every text a prompt or an event may show. */
function scrubbed(r: MemoryRecord, redact: (text: string) => string): MemoryRecord {
  return {
    ...r,
    title: redact(r.title),
    body: redact(r.body),
    citations: r.citations.map((c) => (c.kind === 'review_comment' ? { ...c, quote: redact(c.quote) } : c)),
  };
}

/** Why a task's prompt has no memory, when it has none by choice. */
export type MemoryOff = 'budget' | 'repo' | 'task';

/** Whether memory is off for a task: the budget is 0, the repo turned it off, or the task left it out. */
export function memoryOff(opts: {
  budgetChars: number;
  repoMemory: boolean | undefined;
  taskMemory: boolean | null | undefined;
}): MemoryOff | undefined {
  if (opts.budgetChars <= 0) return 'budget';
  if (opts.repoMemory === false) return 'repo';
  if (opts.taskMemory === false) return 'task';
  return undefined;
}

/** What retrieval chose for a task's prompt. */
export interface Retrieval {
  /** The prompt's memory section (empty when nothing was chosen). */
  section: string;
  chosen: MemoryRecord[];
  /** Found, not stale, but left out: a weak match, over a kind's quota or the budget. */
  leftOut: number;
  /** Citations dropped because their file is gone (records left out for it included). */
  staleCitations: number;
  /** Records left out because every citation was a gone file. */
  stale: number;
}

/**
 * Retrieval at hydration: searches the repo's memory with the task's text, the paths it names or
 * touches and its user; checks the found records' file citations against the repo at `ref` (the
 * task's base: the PR's head, or the default branch), dropping gone files and leaving out records
 * left with nothing; chooses within `budgetChars` (the section's heading included) and renders
 * the section, every record fenced.
 */
export async function retrieveMemories(
  deps: { memory: Pick<Memory, 'search'>; workspaces: Pick<Workspaces, 'readFiles'> },
  input: {
    repo: RepoRef;
    task: { repo: string; user_id: string; task_description: string | null };
    forge: ForgeContext;
    /**
     * The commit or branch the task starts from (the PR's head, then its branch should the mirror
     * not hold that commit); empty: the default branch.
     */
    refs?: string[];
    budgetChars: number;
    /** Scrubs secrets from the records' text before anything of it is used (the platform's redactor). */
    redact?: (text: string) => string;
  },
): Promise<Retrieval> {
  const { task, forge } = input;
  const query = buildMemoryQuery({
    repo: task.repo,
    userId: task.user_id,
    description: task.task_description,
    issue: forge.issue,
    pullRequest: forge.pullRequest,
  });
  const redact = input.redact;
  const found = (await deps.memory.search(query)).map((s) =>
    redact ? { ...s, record: scrubbed(s.record, redact) } : s,
  );
  const files = citedFiles(found);
  const present = new Set<string>();
  const refs: (string | undefined)[] = input.refs?.length ? [...input.refs] : [undefined];
  for (let i = 0; i < files.length; i += CHECK_CHUNK) {
    const chunk = files.slice(i, i + CHECK_CHUNK);
    const read = async () =>
      deps.workspaces.readFiles(input.repo, chunk, { maxBytes: 1, ...(refs[0] ? { ref: refs[0] } : {}) });
    let got = await read();
    // A ref the mirror does not hold reads as empty: the next one is tried before files count as gone.
    while (got.size === 0 && refs.length > 1) {
      refs.shift();
      got = await read();
    }
    for (const p of got.keys()) present.add(p);
  }
  const checked = new Set(files);
  const { kept, stale, staleCitations } = checkCitations(found, (p) =>
    checked.has(p) ? present.has(p) : undefined,
  );
  const budget = input.budgetChars - MEMORY_SECTION_HEAD.length;
  const { chosen, leftOut } =
    budget > 0
      ? selectMemories(kept, { budgetChars: budget, sizeOf: renderedSize, paths: query.paths })
      : { chosen: [], leftOut: kept.length };
  return {
    section: renderMemorySection(chosen),
    chosen,
    leftOut,
    staleCitations,
    stale: stale.length,
  };
}
