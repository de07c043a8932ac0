import type {
  MemoryCitation,
  MemoryKind,
  MemoryProvenance,
  MemoryRecord,
  ReviewCategory,
} from '@abca/contracts';

/** A record to store. */
export interface NewMemory {
  repo: string;
  kind: MemoryKind;
  /** Whose preference (`user_preference`); null otherwise. */
  userId?: string | null;
  title: string;
  body: string;
  category?: ReviewCategory | null;
  citations: MemoryCitation[];
  provenance: MemoryProvenance;
  pinned?: boolean;
  /**
   * Makes `add` idempotent: a second `add` with the same key on the same repo returns the record
   * stored first and changes nothing (an episode per task, a rule per comment: a writer re-run
   * after a crash stores nothing twice).
   */
  dedupeKey?: string;
  /** A record this one replaces (a newer rule that contradicts an older one). */
  supersedes?: string;
}

/** What a task asks of memory at hydration. */
export interface MemoryQuery {
  repo: string;
  /** The task's own text: its description, the issue, the PR's threads (untrusted, only searched). */
  text: string;
  /** Paths the task names or touches: records citing them rank higher. */
  paths: string[];
  /** The task's user: their `user_preference` records (and nobody else's) may come back. */
  userId?: string;
  /** Kinds to leave out. */
  excludeKinds?: MemoryKind[];
  /** At most this many records (before quotas and the budget cut them further); default 50. */
  limit?: number;
}

/**
 * A record a search found, with how well it matched. The score is in rarity units
 * (memory/rarity.ts), the same on every store: the sum, over the query's words the record holds, of
 * each word's rarity in the repo (1 for a word no other record holds, near 0 for one every record
 * holds), a body match weighing `BODY_MATCH_WEIGHT` of a title or cited-path match.
 */
export interface ScoredMemory {
  record: MemoryRecord;
  score: number;
}

/** How to list a repo's records. */
export interface MemoryListFilter {
  kind?: MemoryKind;
  /** Superseded records too (default: only current ones). */
  includeSuperseded?: boolean;
  /** Full-text match on title and body. */
  text?: string;
  /** Records older than this id in the listing order (newest first): the next page. */
  before?: string;
  limit?: number;
}

/**
 * A repo's memory (docs/memory.md): records of what ABCA learned — repo knowledge, episodes,
 * review rules, user preferences — with their citations and provenance.
 *
 * Invariants (checked by the shared contract suite every implementation runs, the fake included):
 * - Scoped: nothing of one repo is ever returned for another; a `user_preference` only to its user.
 * - `add` with a `dedupeKey` is idempotent; `supersedes` marks the older record superseded in the
 *   same call, and superseded records never come back from `search`.
 * - `search` ranks by relevance to the text and paths, with recency and use as tie-breakers; it is
 *   bounded (`limit`) and fast on a repo with 100,000 records (p95 under 50 ms on PostgreSQL).
 *   Relevance is in rarity units (memory/rarity.ts); a review rule's is weighed by the share of its
 *   own scope (title and "Applies when:" line) the query holds, so a rule sharing only body words
 *   scores 0.
 * - `markUsed` bumps `use_count` and `last_used_at` once per task and record, however often called.
 * - `fade` removes records neither pinned nor used since the cutoff (creation counts as a use).
 */
export interface Memory {
  readonly kind: string;
  add(rec: NewMemory): Promise<MemoryRecord>;
  get(repo: string, id: string): Promise<MemoryRecord | undefined>;
  /** Newest first. */
  list(repo: string, filter?: MemoryListFilter): Promise<MemoryRecord[]>;
  update(
    repo: string,
    id: string,
    patch: Partial<Pick<MemoryRecord, 'title' | 'body' | 'category' | 'citations' | 'pinned'>>,
  ): Promise<MemoryRecord | undefined>;
  /** Deletes a record; false when there was none. */
  forget(repo: string, id: string): Promise<boolean>;
  search(q: MemoryQuery): Promise<ScoredMemory[]>;
  /** Records that `taskId` used these records (its prompt held them). */
  markUsed(repo: string, taskId: string, ids: string[]): Promise<void>;
  /** Removes the records of `repo` (all repos when undefined) unused since `cutoff`; returns how many. */
  fade(cutoff: Date, repo?: string): Promise<number>;
  count(repo: string): Promise<number>;
}
