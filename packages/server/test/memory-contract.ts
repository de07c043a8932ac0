import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Memory, NewMemory } from '../src/ports/memory.ts';

/** What one Memory implementation gives the shared contract suite. */
export interface MemoryContractEnv {
  memory: Memory;
  cleanup(): Promise<void>;
}

const rule = (repo: string, over: Partial<NewMemory> = {}): NewMemory => ({
  repo,
  kind: 'review_rule',
  title: 'Use the repo logger, not console',
  body: 'Log through src/log.ts; console.log is flagged in review.',
  category: 'style',
  citations: [{ kind: 'file', path: 'src/log.ts', line: 3 }],
  provenance: { source: 'review', task_id: 'T1' },
  ...over,
});

/** The contract every Memory implementation runs (ports/memory.ts), the fake included. */
export function runMemoryContract(name: string, setup: () => Promise<MemoryContractEnv>): void {
  describe(`memory contract: ${name}`, () => {
    let env: MemoryContractEnv;
    beforeAll(async () => {
      env = await setup();
    });
    afterAll(async () => {
      await env?.cleanup();
    });

    it('stores, finds by the words of a task and its paths, and keeps repos apart', async () => {
      const a = await env.memory.add(rule('acme/a'));
      await env.memory.add(rule('acme/b'));
      await env.memory.add(
        rule('acme/a', {
          kind: 'repo_knowledge',
          title: 'Tests run with node --test',
          body: 'npm test runs node --test on test/*.test.js',
          category: null,
          citations: [{ kind: 'file', path: 'package.json' }],
        }),
      );
      expect(a).toMatchObject({ repo: 'acme/a', kind: 'review_rule', use_count: 0, superseded_by: null });
      expect(await env.memory.get('acme/a', a.id)).toEqual(a);
      expect(await env.memory.get('acme/b', a.id)).toBeUndefined();
      const found = await env.memory.search({ repo: 'acme/a', text: 'add logging to the parser', paths: [] });
      expect(found.map((f) => f.record.id)).toContain(a.id);
      expect(found.every((f) => f.record.repo === 'acme/a')).toBe(true);
      const byPath = await env.memory.search({ repo: 'acme/a', text: 'refactor', paths: ['src/log.ts'] });
      expect(byPath[0]?.record.id).toBe(a.id);
      const none = await env.memory.search({ repo: 'acme/a', text: 'zebra quantum', paths: [] });
      expect(none).toEqual([]);
    });

    it('adds once per dedupe key, and a superseded record never comes back from a search', async () => {
      const first = await env.memory.add(rule('acme/c', { dedupeKey: 'comment:1' }));
      const again = await env.memory.add(rule('acme/c', { dedupeKey: 'comment:1', title: 'other' }));
      expect(again.id).toBe(first.id);
      expect(await env.memory.count('acme/c')).toBe(1);
      const newer = await env.memory.add(
        rule('acme/c', { title: 'Use the structured logger', supersedes: first.id, dedupeKey: 'comment:2' }),
      );
      expect((await env.memory.get('acme/c', first.id))?.superseded_by).toBe(newer.id);
      const found = await env.memory.search({ repo: 'acme/c', text: 'logger', paths: [] });
      expect(found.map((f) => f.record.id)).toEqual([newer.id]);
      expect((await env.memory.list('acme/c')).map((r) => r.id)).toEqual([newer.id]);
      expect((await env.memory.list('acme/c', { includeSuperseded: true })).length).toBe(2);
    });

    it("shows a user's preferences to that user only", async () => {
      await env.memory.add(
        rule('acme/d', {
          kind: 'user_preference',
          userId: 'alice',
          title: 'Prefers small commits',
          body: 'Split logging changes into small commits',
          category: null,
        }),
      );
      const forAlice = await env.memory.search({
        repo: 'acme/d',
        text: 'logging',
        paths: [],
        userId: 'alice',
      });
      const forBob = await env.memory.search({ repo: 'acme/d', text: 'logging', paths: [], userId: 'bob' });
      expect(forAlice).toHaveLength(1);
      expect(forBob).toHaveLength(0);
    });

    it('counts a use once per task, edits, forgets, and fades what is unused and not pinned', async () => {
      const r = await env.memory.add(rule('acme/e'));
      const kept = await env.memory.add(rule('acme/e', { pinned: true, title: 'Pinned rule' }));
      await env.memory.markUsed('acme/e', 'T9', [r.id]);
      await env.memory.markUsed('acme/e', 'T9', [r.id]);
      const used = await env.memory.get('acme/e', r.id);
      expect(used?.use_count).toBe(1);
      expect(used?.last_used_at).not.toBeNull();
      const edited = await env.memory.update('acme/e', r.id, { body: 'Log with src/log.ts only.' });
      expect(edited?.body).toBe('Log with src/log.ts only.');
      expect(await env.memory.fade(new Date(Date.now() + 60_000), 'acme/e')).toBe(1);
      expect(await env.memory.get('acme/e', kept.id)).toBeDefined();
      expect(await env.memory.forget('acme/e', kept.id)).toBe(true);
      expect(await env.memory.forget('acme/e', kept.id)).toBe(false);
    });
  });
}
