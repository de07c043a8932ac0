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
