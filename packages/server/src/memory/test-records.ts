import type { MemoryCitation, MemoryKind, MemoryRecord } from '@abca/contracts';

/** A memory record as the store returns it, for the unit tests of retrieval. */
export function record(
  id: string,
  over: Partial<MemoryRecord> & { kind?: MemoryKind; citations?: MemoryCitation[] } = {},
): MemoryRecord {
  return {
    id,
    repo: 'acme/web',
    kind: 'review_rule',
    user_id: null,
    title: `Rule ${id}`,
    body: `The body of ${id}.`,
    category: null,
    citations: [],
    provenance: { source: 'review' },
    pinned: false,
    superseded_by: null,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    last_used_at: null,
    use_count: 0,
    ...over,
  };
}
