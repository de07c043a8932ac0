import { describe, expect, it } from 'vitest';
import { ForgeError, type RepoRef } from '../../ports/forge.ts';
import { answerThreads } from './answer-threads.ts';
import type { ThreadRef } from './iteration-context.ts';

const repo: RepoRef = { repo: 'acme/app', defaultBranch: 'main', forge: { kind: 'fake' } };
const threads: ThreadRef[] = [
  { ref: 'T1', id: 'a', path: 'a.ts', line: 1 },
  { ref: 'T2', id: 'gone', path: 'b.ts', line: 2 },
  { ref: 'T3', id: 'c', path: 'c.ts', line: 3 },
];

function world(fail: (id: string) => Error | undefined) {
  const calls: string[] = [];
  const events: unknown[] = [];
  const deps = {
    // No event of the task yet: every reply is written once.
    db: { query: async () => ({ rowCount: 0, rows: [] }) } as never,
    secrets: ['sk-secret-123456'],
    log: { warn: () => {} },
    forge: {
      async replyToThread(_r: RepoRef, _n: number, id: string, body: string) {
        const err = fail(id);
        if (err) throw err;
        calls.push(`reply ${id}: ${body}`);
      },
      async resolveThread(_r: RepoRef, _n: number, id: string) {
        calls.push(`resolve ${id}`);
      },
    },
  };
  const emit = async (type: string, data: unknown) => {
    events.push({ type, data });
  };
  return { deps, emit, calls, events };
}

describe('answerThreads', () => {
  it('answers each named thread with its text (secrets scrubbed) and the commit, resolving it; skips a thread the forge lost', async () => {
    const w = world((id) =>
      id === 'gone' ? new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', 'no thread', false) : undefined,
    );
    const n = await answerThreads(w.deps, w.emit as never, {
      repo,
      number: 7,
      taskId: 'TASK1',
      threads,
      replies: [
        { ref: 'T1', text: 'Renamed it; token sk-secret-123456 removed' },
        { ref: 'T2', text: 'Done' },
        { ref: 'T3', text: 'Added a test' },
      ],
      commit: 'abcdef1234567890',
    });
    expect(n).toBe(2);
    expect(w.calls).toEqual([
      'reply a: Renamed it; token [redacted] removed\n\nChanged in abcdef123456 (ABCA task TASK1).',
      'resolve a',
      'reply c: Added a test\n\nChanged in abcdef123456 (ABCA task TASK1).',
      'resolve c',
    ]);
    expect(w.events).toEqual([
      { type: 'pr.thread_replied', data: { pull_request: 7, thread: 'T1', thread_id: 'a', resolved: true } },
      { type: 'pr.thread_replied', data: { pull_request: 7, thread: 'T3', thread_id: 'c', resolved: true } },
    ]);
  });

  it('leaves threads open when nothing was pushed, and lets a retryable failure retry the step', async () => {
    const open = world(() => undefined);
    await answerThreads(open.deps, open.emit as never, {
      repo,
      number: 7,
      taskId: 'TASK2',
      threads,
      replies: [{ ref: 'T1', text: 'It is intended.' }],
      commit: null,
    });
    expect(open.calls).toEqual(['reply a: It is intended.\n\nNo code change (ABCA task TASK2).']);
    const flaky = world(() => new ForgeError('GITHUB_UNREACHABLE', 'down', true));
    await expect(
      answerThreads(flaky.deps, flaky.emit as never, {
        repo,
        number: 7,
        taskId: 'TASK3',
        threads,
        replies: [{ ref: 'T1', text: 'x' }],
        commit: null,
      }),
    ).rejects.toThrow('down');
  });
});
