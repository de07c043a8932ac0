import { createHash } from 'node:crypto';
import type { MemoryKind } from '@abca/contracts';

/**
 * The dedupe key of a record added by a person or an import: a hash of what it says (kind, whose,
 * title, body; whitespace at the ends and letter case ignored), so the same record is never
 * stored twice in a repo however often it is added or imported.
 */
export function contentKey(rec: {
  kind: MemoryKind;
  userId?: string | null;
  title: string;
  body: string;
}): string {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  const hash = createHash('sha256')
    .update(JSON.stringify([rec.kind, rec.userId ?? null, norm(rec.title), norm(rec.body)]))
    .digest('hex');
  return `content:${hash}`;
}

/** True when two records say the same thing (as {@link contentKey} sees it). */
export function sameContent(
  a: { kind: MemoryKind; user_id: string | null; title: string; body: string },
  b: { kind: MemoryKind; user_id: string | null; title: string; body: string },
): boolean {
  return (
    contentKey({ kind: a.kind, userId: a.user_id, title: a.title, body: a.body }) ===
    contentKey({ kind: b.kind, userId: b.user_id, title: b.title, body: b.body })
  );
}
