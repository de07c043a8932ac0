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

    it('lists newest first, by kind and words, a page at a time', async () => {
      const repo = 'acme/list';
      const added = [];
      for (const [i, title] of [
        'Parser errors',
        'Cache keys',
        'Parser cache',
        'Retry policy',
        'Lint rules',
      ].entries()) {
        added.push(
          await env.memory.add(
            rule(repo, {
              title,
              body: `Record number ${i}.`,
              kind: i < 3 ? 'review_rule' : 'repo_knowledge',
              citations: [],
            }),
          ),
        );
      }
      const ids = added.map((r) => r.id).reverse();
      expect((await env.memory.list(repo)).map((r) => r.id)).toEqual(ids);
      expect((await env.memory.list(repo, { kind: 'repo_knowledge' })).map((r) => r.id)).toEqual(
        ids.slice(0, 2),
      );
      const page1 = await env.memory.list(repo, { limit: 2 });
      const page2 = await env.memory.list(repo, { limit: 2, before: page1[1]?.id as string });
      const page3 = await env.memory.list(repo, { limit: 2, before: page2[1]?.id as string });
      expect([...page1, ...page2, ...page3].map((r) => r.id)).toEqual(ids);
      expect(page3).toHaveLength(1);
      const parser = await env.memory.list(repo, { text: 'parsers' });
      expect(parser.map((r) => r.title)).toEqual(['Parser cache', 'Parser errors']);
      expect((await env.memory.list(repo, { text: 'parser cache' })).map((r) => r.title)).toEqual([
        'Parser cache',
      ]);
      expect(await env.memory.list(repo, { text: 'the of and' })).toEqual([]);
      expect(await env.memory.list('acme/list-other')).toEqual([]);
    });

    it('finds a record by its new citations once they are updated, and no longer by the old ones', async () => {
      const repo = 'acme/cite';
      const r = await env.memory.add(
        rule(repo, {
          title: 'Keep handlers thin',
          body: 'Move logic out.',
          citations: [{ kind: 'file', path: 'src/legacy/oldthing.ts' }],
        }),
      );
      const byOld = () => env.memory.search({ repo, text: '', paths: ['src/legacy/oldthing.ts'] });
      const byNew = () => env.memory.search({ repo, text: '', paths: ['lib/widgets/render.ts'] });
      expect((await byOld()).map((f) => f.record.id)).toEqual([r.id]);
      expect(await byNew()).toEqual([]);
      const updated = await env.memory.update(repo, r.id, {
        citations: [{ kind: 'file', path: 'lib/widgets/render.ts', line: 12 }],
      });
      expect(updated?.citations).toEqual([{ kind: 'file', path: 'lib/widgets/render.ts', line: 12 }]);
      expect((await byNew()).map((f) => f.record.id)).toEqual([r.id]);
      expect(await byOld()).toEqual([]);
      expect(await env.memory.update('acme/cite-other', r.id, { pinned: true })).toBeUndefined();
    });

    it('bounds a search by its limit and leaves out the kinds asked', async () => {
      const repo = 'acme/limit';
      for (let i = 0; i < 4; i++)
        await env.memory.add(rule(repo, { title: `Cache rule ${i}`, citations: [] }));
      await env.memory.add(
        rule(repo, {
          kind: 'episode',
          title: 'Added a cache',
          body: 'Task added a cache.',
          category: null,
          citations: [],
        }),
      );
      expect(await env.memory.search({ repo, text: 'cache', paths: [] })).toHaveLength(5);
      expect(await env.memory.search({ repo, text: 'cache', paths: [], limit: 2 })).toHaveLength(2);
      const noRules = await env.memory.search({
        repo,
        text: 'cache',
        paths: [],
        excludeKinds: ['review_rule'],
      });
      expect(noRules.map((f) => f.record.kind)).toEqual(['episode']);
    });

    it('ranks a title match over a body match, then the more recently used, whatever was added last', async () => {
      const repo = 'acme/rank';
      const inTitle = await env.memory.add(
        rule(repo, {
          title: 'Migrations need a down step',
          body: 'Every change gets a revert.',
          citations: [],
        }),
      );
      const inBody = await env.memory.add(
        rule(repo, {
          title: 'Release checklist',
          body: 'Check the migrations before tagging.',
          citations: [],
        }),
      );
      const ranked = await env.memory.search({ repo, text: 'write migrations', paths: [] });
      expect(ranked.map((f) => f.record.id)).toEqual([inTitle.id, inBody.id]);
      expect(ranked[0]?.score).toBeGreaterThan(ranked[1]?.score ?? Number.POSITIVE_INFINITY);

      const twin = { title: 'Feature flags live in flags.ts', body: 'Add new flags there.', citations: [] };
      const older = await env.memory.add(rule('acme/tie', twin));
      const newer = await env.memory.add(rule('acme/tie', twin));
      const tie = () => env.memory.search({ repo: 'acme/tie', text: 'feature flags', paths: [] });
      expect((await tie()).map((f) => f.record.id)).toEqual([newer.id, older.id]);
      await env.memory.markUsed('acme/tie', 'T-tie', [older.id]);
      expect((await tie()).map((f) => f.record.id)).toEqual([older.id, newer.id]);
    });

    it('weighs each shared word by its rarity in the repo, in the same units on every store', async () => {
      const repo = 'acme/rarity';
      const common = [];
      // Repo knowledge: a review rule's score is also weighed by its scope (the test below).
      const fact = (over: Partial<NewMemory>) =>
        rule(repo, { kind: 'repo_knowledge', category: null, ...over });
      for (const name of ['retries', 'timeouts', 'caching', 'metrics']) {
        common.push(
          await env.memory.add(
            fact({ title: `Service ${name}`, body: `How the service handles ${name}.`, citations: [] }),
          ),
        );
      }
      const rare = await env.memory.add(
        fact({ title: 'Notes', body: 'The zeppelin service needs a warm-up call.', citations: [] }),
      );
      // "service" is in every record's title; "zeppelin" in one body: the rare word decides, though
      // a title match weighs more than a body match (plain full-text rank puts the titles first).
      const found = await env.memory.search({ repo, text: 'zeppelin service', paths: [] });
      expect(found[0]?.record.id).toBe(rare.id);
      expect(found.map((f) => f.record.id).sort()).toEqual([rare.id, ...common.map((r) => r.id)].sort());
      expect(found[0]?.score).toBeGreaterThan(found[1]?.score ?? Number.POSITIVE_INFINITY);
      // The unit: a word only one record holds, in its title, scores 1 (memory/rarity.ts).
      const one = await env.memory.search({ repo, text: 'caching', paths: [] });
      expect(one.map((f) => f.record.id)).toEqual([common[2]?.id]);
      expect(one[0]?.score).toBeCloseTo(1, 6);
    });

    it('weighs a review rule by how much of its own scope (title, "Applies when:" line) the task holds', async () => {
      const repo = 'acme/scope';
      const footer = await env.memory.add(
        rule(repo, {
          title: 'Footer links use rel=noopener',
          body: 'Links that open a new tab carry rel=noopener.\nApplies when: links in the footer that open other sites in a new tab',
          citations: [],
        }),
      );
      const copyright = await env.memory.add(
        rule(repo, {
          title: 'Footer copyright comes from the build',
          body: 'Never hard-code the year.\nApplies when: the footer copyright year',
          citations: [],
        }),
      );
      const bodyOnly = await env.memory.add(
        rule(repo, { title: 'Dates are UTC', body: 'The footer shows dates in UTC.', citations: [] }),
      );
      const fact = await env.memory.add(
        rule(repo, {
          kind: 'repo_knowledge',
          category: null,
          title: 'Footer component',
          body: 'The footer lives in web/Footer.tsx; it shows links and the copyright year.',
          citations: [],
        }),
      );
      const found = await env.memory.search({
        repo,
        text: 'Update the copyright year in the footer',
        paths: [],
      });
      const score = (id: string) => found.find((f) => f.record.id === id)?.score ?? Number.NaN;
      // Both rules share "footer" in their titles; the task fills the copyright rule's scope, and
      // leaves most of the links rule's out; a rule sharing a body word only weighs nothing.
      expect(found.find((f) => f.record.kind === 'review_rule')?.record.id).toBe(copyright.id);
      expect(score(copyright.id)).toBeGreaterThan(2 * score(footer.id));
      expect(score(footer.id)).toBeGreaterThan(0);
      expect(score(bodyOnly.id)).toBe(0);
      // Other kinds are not weighed by a scope: the fact scores its words' rarity, as before.
      expect(score(fact.id)).toBeGreaterThan(score(footer.id));
      // A task that fills the links rule's scope weighs it whole (more than its title words alone).
      const links = await env.memory.search({
        repo,
        text: 'Footer links to other sites open in a new tab',
        paths: [],
      });
      expect(links.find((f) => f.record.kind === 'review_rule')?.record.id).toBe(footer.id);
    });

    it('takes hostile query text without throwing and without matching everything', async () => {
      const repo = 'acme/hostile';
      const logger = await env.memory.add(rule(repo));
      await env.memory.add(
        rule(repo, { title: 'Prefer async iterators', body: 'Streams read chunk by chunk.', citations: [] }),
      );
      await env.memory.add(
        rule(repo, { title: 'Dates are UTC', body: 'Store timestamps in UTC.', citations: [] }),
      );
      const hostile = [
        `'; DELETE FROM everything WHERE 1=1; --`,
        `" OR ''='' /* */`,
        `a & b | !c (d) : e * f:* | !!g <-> h`,
        `\\ $1 %s \${x} \u0000 \t\n`,
        'the of and to is in a an',
        '',
        '   ',
        '!!! ::: *** ()',
        'x'.repeat(10_000),
        'ab '.repeat(3_400),
        '-zebra -quantum !unicorn',
      ];
      for (const text of hostile) {
        const found = await env.memory.search({ repo, text, paths: [text.slice(0, 200)] });
        expect(found.length, JSON.stringify(text.slice(0, 40))).toBeLessThan(3);
        const listed = await env.memory.list(repo, { text });
        expect(listed.length, JSON.stringify(text.slice(0, 40))).toBeLessThan(3);
      }
      const noisy = await env.memory.search({
        repo,
        text: `logger!!! & (console) ${'logger '.repeat(1_400)}`,
        paths: [],
      });
      expect(noisy.map((f) => f.record.id)).toEqual([logger.id]);
      expect(await env.memory.count(repo)).toBe(3);
      expect(await env.memory.get(repo, `${logger.id}\u0000`)).toBeUndefined();
      expect(await env.memory.forget(repo, "x' OR '1'='1\u0000")).toBe(false);
      expect(await env.memory.list(repo, { before: '\u0000' })).toEqual([]);
      expect(await env.memory.search({ repo: `${repo}\u0000`, text: 'logger', paths: [] })).toEqual([]);
      expect(await env.memory.count(repo)).toBe(3);
    });

    it('stores titles and bodies up to their bounds whole, and refuses more with a clear error', async () => {
      const repo = 'acme/bounds';
      const title = 'T'.repeat(200);
      const body = 'b'.repeat(8000);
      const full = await env.memory.add(rule(repo, { title, body }));
      expect((await env.memory.get(repo, full.id))?.title).toBe(title);
      expect((await env.memory.get(repo, full.id))?.body).toBe(body);
      const tooMany = Array.from({ length: 21 }, (_, i) => ({ kind: 'file' as const, path: `f${i}.ts` }));
      for (const over of [{ title: `${title}T` }, { body: `${body}b` }, { citations: tooMany }]) {
        await expect(env.memory.add(rule(repo, over))).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
          message: expect.stringMatching(/title|body|citations/),
        });
      }
      await expect(env.memory.update(repo, full.id, { body: `${body}b` })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      expect((await env.memory.get(repo, full.id))?.body).toBe(body);
      expect(await env.memory.count(repo)).toBe(1);
    });

    it("checks what it adds against the contracts' schemas and stores nothing invalid", async () => {
      const repo = 'acme/invalid';
      const bad: Partial<NewMemory>[] = [
        { kind: 'bogus' as NewMemory['kind'] },
        { citations: [{ kind: 'file', path: '' }] },
        { citations: [{ kind: 'url', href: 'http://x' } as unknown as NewMemory['citations'][number]] },
        { provenance: { source: 'hacker' } as unknown as NewMemory['provenance'] },
        { category: 'urgent' as NewMemory['category'] },
        { title: '   ' },
        { title: 'nul \u0000 inside' },
        { kind: 'user_preference', category: null },
        { repo: '' },
        { extra: true } as Partial<NewMemory>,
      ];
      for (const over of bad) {
        await expect(env.memory.add(rule(repo, over)), JSON.stringify(over)).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
      }
      expect(await env.memory.count(repo)).toBe(0);
      const ok = await env.memory.add(rule(repo));
      await expect(env.memory.update(repo, ok.id, { title: '' })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
      });
    });
  });
}
