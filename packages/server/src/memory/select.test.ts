import type { MemoryKind, MemoryRecord } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import type { ScoredMemory } from '../ports/memory.ts';
import { selectMemories } from './select.ts';

const rec = (id: string, kind: MemoryKind, body = 'x'.repeat(20)): MemoryRecord => ({
  id,
  repo: 'acme/app',
  kind,
  user_id: null,
  title: id,
  body,
  category: null,
  citations: [],
  provenance: { source: 'import' },
  pinned: false,
  superseded_by: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_used_at: null,
  use_count: 0,
});
const found = (...xs: [string, MemoryKind, number][]): ScoredMemory[] =>
  xs.map(([id, kind, score]) => ({ record: rec(id, kind), score }));
const ids = (xs: ScoredMemory[], opts?: Parameters<typeof selectMemories>[1]) =>
  selectMemories(xs, opts).chosen.map((r) => r.id);

describe('selectMemories', () => {
  it('weighs a record against the best of its own kind: a strong episode does not push out the rules', () => {
    const xs = found(['e1', 'episode', 10], ['r1', 'review_rule', 3], ['r2', 'review_rule', 0.8]);
    // r1 is 0.3 of the episode (out under a floor of 0.4 of the best record) but the best rule: it
    // stays; r2 is over the rules' floor but under 0.3 of the best rule: a weak match, left out.
    expect(ids(xs, { minRuleRelativeScore: 0.3 })).toEqual(['e1', 'r1']);
    expect(selectMemories(xs, { minRuleRelativeScore: 0.3 }).leftOut).toBe(1);
    expect(ids(xs)).toEqual(['e1', 'r1']);
    expect(ids(xs, { minRuleRelativeScore: 0.25 })).toEqual(['e1', 'r1', 'r2']);
  });

  it('keeps each kind within its quota and the whole within the budget', () => {
    const xs = found(['r1', 'review_rule', 5], ['r2', 'review_rule', 5], ['r3', 'review_rule', 5]);
    expect(ids(xs, { quotas: { review_rule: 2 } })).toEqual(['r1', 'r2']);
    // Each record takes 2 + 20 + 80 = 102 characters: two fit in 250.
    expect(ids(xs, { budgetChars: 250 })).toEqual(['r1', 'r2']);
    expect(ids(xs, { minRelativeScore: 0, budgetChars: 50 })).toEqual([]);
  });

  it('leaves out what shares too little with the task, even the best of its kind', () => {
    // Scores are in rarity units (memory/rarity.ts): 0.5 is one body word; 1, one rare title word.
    // A rule's score is also weighed by the share of its scope the task holds: its floor is lower.
    const xs = found(['r1', 'review_rule', 0.25], ['k1', 'repo_knowledge', 0.9], ['e1', 'episode', 0.74]);
    expect(ids(xs)).toEqual(['k1']);
    expect(selectMemories(xs).leftOut).toBe(2);
    expect(ids(found(['r1', 'review_rule', 0.35], ['e1', 'episode', 0.35]))).toEqual(['r1']);
    expect(ids(xs, { minScore: 0, minRuleScore: 0 })).toEqual(['r1', 'k1', 'e1']);
    expect(ids(xs, { minScore: 1 })).toEqual([]);
  });

  it('takes nothing from nothing', () => {
    expect(selectMemories([])).toEqual({ chosen: [], leftOut: 0 });
  });
  it('leaves out a review rule scoped to a language none of the task’s code files is in', () => {
    const scoped = (id: string, kind: MemoryKind, title: string, score: number): ScoredMemory => ({
      record: { ...rec(id, kind), title },
      score,
    });
    const xs = [
      scoped('py', 'review_rule', 'Python: open files with a with statement', 3),
      scoped('any', 'review_rule', 'Every outgoing HTTP call needs a timeout', 0.8),
      scoped('k', 'repo_knowledge', 'Python workers use pytest', 1),
    ];
    // On a TypeScript change the Python rule is out before the best rule is weighed: the other rule
    // (under 0.3 of the Python rule's score) is then the best and stays. Knowledge is not gated.
    expect(ids(xs, { paths: ['src/server/routes/settings.ts'] })).toEqual(['any', 'k']);
    expect(selectMemories(xs, { paths: ['src/server/routes/settings.ts'] }).leftOut).toBe(1);
    expect(ids(xs, { paths: ['workers/export.py'] })).toEqual(['py', 'k']);
    expect(ids(xs)).toEqual(['py', 'k']);
  });
});
