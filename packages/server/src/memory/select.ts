import type { MemoryKind, MemoryRecord } from '@abca/contracts';
import type { ScoredMemory } from '../ports/memory.ts';

/** About 2,000 tokens at four characters a token: what memory may add to a prompt by default. */
export const DEFAULT_MEMORY_BUDGET_CHARS = 8000;

/** At most this many records of each kind reach a prompt by default. */
export const DEFAULT_MEMORY_QUOTAS: Readonly<Record<MemoryKind, number>> = {
  review_rule: 8,
  repo_knowledge: 6,
  user_preference: 4,
  episode: 3,
};

/**
 * Of the records a search found (best first), a score below this share of the best one's is too
 * weak a match to spend prompt on (tuned by the retrieval benchmark, bench/memory-retrieval).
 */
export const DEFAULT_MIN_RELATIVE_SCORE = 0.25;

export interface Selection {
  chosen: MemoryRecord[];
  /** Found but left out: a weak match, over its kind's quota, or over the budget. */
  leftOut: number;
}

/**
 * Chooses what of a search's results goes into a prompt: best first, each kind within its quota,
 * weak matches left out, and the whole within `budgetChars` (a record's size is what
 * `sizeOf` says it takes once rendered). Pure: the retrieval benchmark runs exactly this.
 */
export function selectMemories(
  found: readonly ScoredMemory[],
  opts: {
    budgetChars?: number;
    quotas?: Partial<Record<MemoryKind, number>>;
    minRelativeScore?: number;
    sizeOf?: (r: MemoryRecord) => number;
  } = {},
): Selection {
  const budget = opts.budgetChars ?? DEFAULT_MEMORY_BUDGET_CHARS;
  const quotas = { ...DEFAULT_MEMORY_QUOTAS, ...opts.quotas };
  const floor = (found[0]?.score ?? 0) * (opts.minRelativeScore ?? DEFAULT_MIN_RELATIVE_SCORE);
  const sizeOf = opts.sizeOf ?? ((r: MemoryRecord) => r.title.length + r.body.length + 80);
  const taken: Partial<Record<MemoryKind, number>> = {};
  const chosen: MemoryRecord[] = [];
  let used = 0;
  for (const { record, score } of found) {
    if (score < floor) continue;
    if ((taken[record.kind] ?? 0) >= quotas[record.kind]) continue;
    const size = sizeOf(record);
    if (used + size > budget) continue;
    chosen.push(record);
    used += size;
    taken[record.kind] = (taken[record.kind] ?? 0) + 1;
  }
  return { chosen, leftOut: found.length - chosen.length };
}
