import type { MemoryKind, MemoryRecord } from '@abca/contracts';
import type { ScoredMemory } from '../ports/memory.ts';
import { outOfLanguageScope } from './language-scope.ts';

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
 * Of the records of one kind a search found, a score below this share of the best score of that
 * kind is too weak a match to spend prompt on. Per kind, because an episode that shares many words
 * with the task (a similar earlier task) must not push out the rules that apply to it, nor make a
 * rule that shares one word look as good as it. Tuned by the retrieval benchmark
 * (bench/memory-retrieval.bench.ts, docs/memory.md "Measuring retrieval").
 */
export const DEFAULT_MIN_RELATIVE_SCORE = 0.4;

/**
 * A record scoring under this, in rarity units (memory/rarity.ts: 1 is one word no other record
 * holds, found in the title), shares too little with the task whatever else was found: a word most
 * records hold, or a body word or two. One fairly rare word in the title is enough. Tuned by the
 * retrieval benchmark: with the per-kind share, it takes precision from 0.42 to 0.52 at recall 0.91.
 */
export const DEFAULT_MIN_SCORE = 0.75;

/**
 * The floor for review rules, whose scores the store weighs by the share of the rule's own scope
 * the task holds (memory/rarity.ts, `scopeCoverage`), so they come lower than other kinds' for the
 * same words. Chosen by cross-validation (bench/memory-scope.study.ts): 0.3 on either half of the
 * labelled tasks, with the share 0.3 on one half and 0 on the other (docs/memory.md).
 */
export const DEFAULT_MIN_RULE_SCORE = 0.3;

/**
 * The share of the best rule's score a rule must reach. Chosen with {@link DEFAULT_MIN_RULE_SCORE}:
 * one half of the labelled tasks chose 0.3, the other 0 (and 0.2 with the store's own query); 0.3
 * is also the best on all 30, so the figure on all 30 flatters it (docs/memory.md gives both).
 */
export const DEFAULT_MIN_RULE_RELATIVE_SCORE = 0.3;

export interface Selection {
  chosen: MemoryRecord[];
  /** Found but left out: a weak match, over its kind's quota, or over the budget. */
  leftOut: number;
}

/**
 * Chooses what of a search's results goes into a prompt: best first, each kind within its quota,
 * weak matches (under `minScore`, or under `minRelativeScore` of the best score of the same kind;
 * for review rules `minRuleScore` and `minRuleRelativeScore`) left out, and the whole within `budgetChars` (a record's size is what `sizeOf` says it takes once
 * rendered). A review rule whose title names a language none of the task's code files (`paths`)
 * is in is out before anything is weighed (memory/language-scope.ts). Pure, on scores in the
 * rarity units every store gives (ports/memory.ts): the retrieval benchmark runs exactly this.
 */
export function selectMemories(
  found: readonly ScoredMemory[],
  opts: {
    budgetChars?: number;
    quotas?: Partial<Record<MemoryKind, number>>;
    minRelativeScore?: number;
    minScore?: number;
    /** Review rules' own floor and share (their scores are weighed by scope coverage). */
    minRuleScore?: number;
    minRuleRelativeScore?: number;
    sizeOf?: (r: MemoryRecord) => number;
    /** The paths the task names or touches (the search's): a language-scoped rule needs one of its files. */
    paths?: readonly string[];
  } = {},
): Selection {
  const budget = opts.budgetChars ?? DEFAULT_MEMORY_BUDGET_CHARS;
  const quotas = { ...DEFAULT_MEMORY_QUOTAS, ...opts.quotas };
  const share = opts.minRelativeScore ?? DEFAULT_MIN_RELATIVE_SCORE;
  const floor = opts.minScore ?? DEFAULT_MIN_SCORE;
  const ruleShare = opts.minRuleRelativeScore ?? DEFAULT_MIN_RULE_RELATIVE_SCORE;
  const ruleFloor = opts.minRuleScore ?? DEFAULT_MIN_RULE_SCORE;
  const paths = opts.paths ?? [];
  const inScope = found.filter(
    ({ record }) => record.kind !== 'review_rule' || !outOfLanguageScope(record, paths),
  );
  const best: Partial<Record<MemoryKind, number>> = {};
  for (const { record, score } of inScope) best[record.kind] = Math.max(best[record.kind] ?? score, score);
  const sizeOf = opts.sizeOf ?? ((r: MemoryRecord) => r.title.length + r.body.length + 80);
  const taken: Partial<Record<MemoryKind, number>> = {};
  const chosen: MemoryRecord[] = [];
  let used = 0;
  for (const { record, score } of inScope) {
    const rule = record.kind === 'review_rule';
    if (score < (rule ? ruleFloor : floor) || score < (best[record.kind] ?? 0) * (rule ? ruleShare : share))
      continue;
    if ((taken[record.kind] ?? 0) >= quotas[record.kind]) continue;
    const size = sizeOf(record);
    if (used + size > budget) continue;
    chosen.push(record);
    used += size;
    taken[record.kind] = (taken[record.kind] ?? 0) + 1;
  }
  return { chosen, leftOut: found.length - chosen.length };
}
