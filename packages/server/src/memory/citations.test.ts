import { describe, expect, it } from 'vitest';
import { checkCitations, citedFiles, MAX_CHECKED_FILES } from './citations.ts';
import { record } from './test-records.ts';

const comment = { kind: 'review_comment' as const, pr: 1, comment_id: 'c1', author: 'alice', quote: 'q' };

describe('checking the citations of found records', () => {
  const found = [
    { score: 3, record: record('live', { citations: [{ kind: 'file', path: 'a.ts', line: 2 }] }) },
    {
      score: 2,
      record: record('mixed', {
        citations: [
          { kind: 'file', path: 'a.ts' },
          { kind: 'file', path: 'gone.ts' },
        ],
      }),
    },
    { score: 2, record: record('stale', { citations: [{ kind: 'file', path: 'gone.ts' }] }) },
    { score: 1, record: record('commented', { citations: [{ kind: 'file', path: 'gone.ts' }, comment] }) },
    { score: 1, record: record('uncited') },
  ];

  it('drops gone files, leaves out records with nothing left, keeps the order', () => {
    const got = checkCitations(found, (p) => p === 'a.ts');
    expect(got.kept.map((s) => s.record.id)).toEqual(['live', 'mixed', 'commented', 'uncited']);
    expect(got.stale.map((r) => r.id)).toEqual(['stale']);
    expect(got.staleCitations).toBe(3);
    expect(got.kept[1]?.record.citations).toEqual([{ kind: 'file', path: 'a.ts' }]);
    expect(got.kept[2]?.record.citations).toEqual([comment]);
    // The store's record is not changed in place.
    expect(found[1]?.record.citations).toHaveLength(2);
  });

  it('keeps a citation it could not check', () => {
    const got = checkCitations(found, () => undefined);
    expect(got.kept).toHaveLength(found.length);
    expect(got.staleCitations).toBe(0);
  });

  it('lists the cited files once each, bounded', () => {
    expect(citedFiles(found)).toEqual(['a.ts', 'gone.ts']);
    const many = Array.from({ length: 1000 }, (_, i) => ({
      score: 1,
      record: record(`r${i}`, { citations: [{ kind: 'file', path: `f${i}.ts` }] }),
    }));
    expect(citedFiles(many)).toHaveLength(MAX_CHECKED_FILES);
  });
});
