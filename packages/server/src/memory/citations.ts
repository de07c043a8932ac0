import type { MemoryCitation, MemoryRecord } from '@abca/contracts';
import type { ScoredMemory } from '../ports/memory.ts';

/** Distinct cited files checked at most per task (the rest are kept unchecked). */
export const MAX_CHECKED_FILES = 300;

/** The files the records cite, distinct, bounded. */
export function citedFiles(found: readonly ScoredMemory[]): string[] {
  const out = new Set<string>();
  for (const { record } of found)
    for (const c of record.citations) {
      if (c.kind !== 'file') continue;
      if (out.size >= MAX_CHECKED_FILES) return [...out];
      out.add(c.path);
    }
  return [...out];
}

export interface CheckedMemories {
  /** The records still worth using, their gone-file citations dropped; order kept. */
  kept: ScoredMemory[];
  /** Records left out because every one of their citations is a file no longer in the repo. */
  stale: MemoryRecord[];
  /** Citations dropped (files no longer in the repo), over all the records found. */
  staleCitations: number;
}

/**
 * Checks the records' citations against the files of the repo at the task's base: a `file`
 * citation whose file is gone is dropped; a record whose every citation was such a file is left
 * out as stale. `exists` says whether a path is in the repo (`undefined`: not checked, kept).
 */
export function checkCitations(
  found: readonly ScoredMemory[],
  exists: (path: string) => boolean | undefined,
): CheckedMemories {
  const kept: ScoredMemory[] = [];
  const stale: MemoryRecord[] = [];
  let staleCitations = 0;
  for (const s of found) {
    const live: MemoryCitation[] = s.record.citations.filter(
      (c) => c.kind !== 'file' || exists(c.path) !== false,
    );
    const dropped = s.record.citations.length - live.length;
    staleCitations += dropped;
    if (dropped > 0 && live.length === 0) {
      stale.push(s.record);
      continue;
    }
    kept.push(dropped > 0 ? { ...s, record: { ...s.record, citations: live } } : s);
  }
  return { kept, stale, staleCitations };
}
