import type { MemoryRecord } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import type { MemoryQuery, ScoredMemory } from '../ports/memory.ts';
import { hydrateMemory, type MemoryRetrievedData, recordMemoryUse } from './hydrate-memory.ts';
import { MEMORY_SECTION_HEAD } from './render.ts';
import { memoryOff, retrieveMemories } from './retrieve.ts';
import { record } from './test-records.ts';

const repo = { name: 'acme/web', defaultBranch: 'main' } as never;
const task = { repo: 'acme/web', user_id: 'alice', task_description: 'Fix greet.js', memory: null };

/** The store's answer and the repo's files at each ref, with what was asked of them. */
function world(found: ScoredMemory[], files: Record<string, string[]>) {
  const queries: MemoryQuery[] = [];
  const reads: (string | undefined)[] = [];
  return {
    queries,
    reads,
    deps: {
      memory: {
        async search(q: MemoryQuery) {
          queries.push(q);
          return found;
        },
      },
      workspaces: {
        async readFiles(_r: unknown, paths: string[], opts?: { ref?: string }) {
          reads.push(opts?.ref);
          const there = new Set(files[opts?.ref ?? 'main'] ?? []);
          return new Map(paths.filter((p) => there.has(p)).map((p) => [p, { text: 'x', truncated: true }]));
        },
      },
    },
  };
}

const scored = (r: MemoryRecord, score = 1) => ({ record: r, score });

describe('retrieval at hydration', () => {
  it('is off with a budget of 0, the repo off, or the task leaving it out', () => {
    expect(memoryOff({ budgetChars: 0, repoMemory: undefined, taskMemory: null })).toBe('budget');
    expect(memoryOff({ budgetChars: 8000, repoMemory: false, taskMemory: null })).toBe('repo');
    expect(memoryOff({ budgetChars: 8000, repoMemory: true, taskMemory: false })).toBe('task');
    expect(memoryOff({ budgetChars: 8000, repoMemory: undefined, taskMemory: true })).toBeUndefined();
  });

  it('searches nothing when memory is off', async () => {
    const w = world([scored(record('mem_a'))], {});
    for (const off of [
      { repoMemory: false, task },
      { repoMemory: undefined, task: { ...task, memory: false } },
    ]) {
      const got = await hydrateMemory(w.deps, { repo, forge: {}, budgetChars: 8000, ...off });
      expect(got).toBeUndefined();
    }
    expect(await hydrateMemory(w.deps, { repo, forge: {}, budgetChars: 0, repoMemory: true, task })).toBe(
      undefined,
    );
    expect(w.queries).toHaveLength(0);
  });

  it('leaves out stale records, fits the budget with its heading, and names the rules', async () => {
    const w = world(
      [
        scored(
          record('mem_rule', { title: 'Greet loudly', citations: [{ kind: 'file', path: 'greet.js' }] }),
          5,
        ),
        scored(record('mem_stale', { citations: [{ kind: 'file', path: 'old.js' }] }), 4),
        scored(record('mem_fact', { kind: 'repo_knowledge', body: 'f'.repeat(900) }), 3),
        scored(record('mem_big', { kind: 'repo_knowledge', body: 'g'.repeat(1400) }), 3),
      ],
      { main: ['greet.js'] },
    );
    const got = await hydrateMemory(w.deps, {
      repo,
      forge: {},
      budgetChars: 2000,
      repoMemory: undefined,
      task,
    });
    expect(got?.context.ids).toEqual(['mem_rule', 'mem_fact']);
    expect(got?.context.rules).toEqual([{ id: 'mem_rule', title: 'Greet loudly' }]);
    expect(got?.context.event).toMatchObject({ left_out: 1, stale_citations: 1, chars: got?.section.length });
    expect(got?.section.length).toBeLessThanOrEqual(2000);
    expect(got?.section.startsWith(MEMORY_SECTION_HEAD)).toBe(true);
    expect(got?.section).not.toContain('mem_stale');
    expect(w.queries[0]).toMatchObject({ repo: 'acme/web', userId: 'alice', paths: ['greet.js'] });
  });

  it('chooses nothing when the budget is smaller than the heading', async () => {
    const w = world([scored(record('mem_a'))], {});
    const got = await retrieveMemories(w.deps, { repo, task, forge: {}, budgetChars: 50 });
    expect(got).toMatchObject({ section: '', chosen: [], leftOut: 1 });
  });

  it("checks a PR's citations at its head, then its branch when the mirror lacks the head", async () => {
    const cited = record('mem_a', { citations: [{ kind: 'file', path: 'new.js' }] });
    const w = world([scored(cited)], { 'feature/x': ['new.js'] });
    const got = await retrieveMemories(w.deps, {
      repo,
      task,
      forge: {},
      budgetChars: 8000,
      refs: ['abc123', 'feature/x'],
    });
    expect(w.reads).toEqual(['abc123', 'feature/x']);
    expect(got.chosen.map((r) => r.id)).toEqual(['mem_a']);
    expect(got.staleCitations).toBe(0);
  });

  it('scrubs secrets from what it shows', async () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const w = world([scored(record('mem_a', { title: `key ${token}`, body: `use ${token}` }))], {});
    const got = await retrieveMemories(w.deps, {
      repo,
      task,
      forge: {},
      budgetChars: 8000,
      redact: (t) => t.replaceAll(token, '[REDACTED]'),
    });
    expect(got.section).not.toContain(token);
    expect(got.chosen[0]?.title).toBe('key [REDACTED]');
  });

  it('records the use on a re-run without a second event', async () => {
    const marked: string[][] = [];
    const emitted: MemoryRetrievedData[] = [];
    const ctx = {
      ids: ['mem_a'],
      rules: [],
      event: { records: [], chars: 0, left_out: 0, stale_citations: 0 },
    };
    const deps = {
      memory: {
        async markUsed(_repo: string, _task: string, ids: string[]) {
          marked.push(ids);
        },
      },
    };
    const run = () =>
      recordMemoryUse(
        deps,
        { repo: 'acme/web', task_id: 'T1' },
        ctx,
        async () => emitted.length > 0,
        async (d) => {
          emitted.push(d);
        },
      );
    await run();
    await run();
    expect(emitted).toEqual([ctx.event]);
    expect(marked).toEqual([['mem_a'], ['mem_a']]);
  });
  it('chooses with the paths the task names: a rule of another language stays out of the prompt', async () => {
    const w = world(
      [
        scored(record('mem_py', { title: 'Python: open files with a with statement' }), 3),
        scored(record('mem_any', { title: 'Never swallow exceptions' }), 2),
      ],
      {},
    );
    const ask = (description: string) =>
      retrieveMemories(w.deps, {
        repo,
        task: { ...task, task_description: description },
        forge: {},
        budgetChars: 8000,
      });
    const ts = await ask('Read the flags file in src/server/routes/settings.ts without blocking');
    expect(w.queries[0]?.paths).toEqual(['src/server/routes/settings.ts']);
    expect(ts.chosen.map((r) => r.id)).toEqual(['mem_any']);
    expect(ts.section).not.toContain('Python');
    const py = await ask('Read the flags file in workers/flags.py without blocking');
    expect(py.chosen.map((r) => r.id)).toEqual(['mem_py', 'mem_any']);
  });
});
