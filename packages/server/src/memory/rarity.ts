/**
 * How much a word a task shares with a record says that the record applies: its rarity in the
 * repo's memory. A word only one record holds says the most (1); a word most records hold ("add",
 * "file") little. The BM25 inverse document frequency, scaled so that 1 is a word held by one
 * record: a search's scores are then in the same units on every store and repo size, and a score of
 * 1 reads "as telling as one word no other record holds, found in the title".
 *
 * Both stores score with this (docs/memory.md, "Search and ranking"): PostgreSQL from the per-repo
 * word counts it keeps on write (`memory_lexemes`, `memory_repo_sizes`), the fake from its records.
 */
export function rarity(recordsWithWord: number, records: number): number {
  const n = Math.max(records, recordsWithWord, 1) + PRIOR_RECORDS;
  const held = Math.max(recordsWithWord, 1);
  return Math.log(1 + (n - held + 0.5) / (held + 0.5)) / Math.log(1 + (n - 0.5) / 1.5);
}

/**
 * Records counted as if the repo held this many more, none with the word: a repo of three records
 * that all mention `greet` cannot tell that the word is common, so a word there still counts as
 * fairly rare (0.83), while in a repo of thousands only the words few records hold count near 1.
 */
export const PRIOR_RECORDS = 200;

/** A word found in a record's title or cited paths counts whole; in its body, this share of it. */
export const BODY_MATCH_WEIGHT = 0.5;

/** A record's score: the rarity of each query word it holds, a body match weighing less. */
export function rarityScore(matches: readonly { rarity: number; inTitle: boolean }[]): number {
  return matches.reduce((sum, m) => sum + m.rarity * (m.inTitle ? 1 : BODY_MATCH_WEIGHT), 0);
}

/**
 * How strongly a review rule's score follows the share of its own scope the task holds
 * ({@link scopeCoverage}). Chosen by cross-validation on the retrieval benchmark's labelled set
 * (bench/memory-scope.study.ts: 0.5 on either half of the tasks; docs/memory.md).
 */
export const SCOPE_COVERAGE_EXPONENT = 0.5;

/**
 * The share of a rule's scope the task holds, weighed by rarity, to the power
 * {@link SCOPE_COVERAGE_EXPONENT}: 1 when the task holds every word of the rule's title and
 * "Applies when:" line, less the more of them it leaves out. A rule that shares one rare word with a
 * task but is about something else (a footer-links rule for a task on the footer's copyright year)
 * scores less than one whose scope the task fills. A scope of no words changes nothing (1).
 */
export function scopeCoverage(words: readonly { rarity: number; held: boolean }[]): number {
  const all = words.reduce((n, w) => n + w.rarity, 0);
  if (all <= 0) return 1;
  const held = words.reduce((n, w) => n + (w.held ? w.rarity : 0), 0);
  return Math.min(1, held / all) ** SCOPE_COVERAGE_EXPONENT;
}
