import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

/** The JSON of a recorded request. */
const body = (server: ScriptedModelServer, index: number) =>
  JSON.stringify(server.requests[index]?.body ?? {});
const isCompactionRequest = (server: ScriptedModelServer, index: number) =>
  body(server, index).includes('Write a summary the agent will continue from');

describe('context management', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('saves a truncated output in the sandbox, outside git, where read_file pages through it', async () => {
    server.script(
      reply().tool('bash', { command: 'seq 1 20000' }, 'call_big'),
      reply().tool('read_file', { path: '.git/abca-output/call_big.txt', offset: 15000, limit: 2 }),
      reply().text('Read it.'),
    );
    const { result, events } = await run(ws, server);

    expect(result.outcome).toBe('completed');
    const [big, paged] = ofType(events, 'tool_call');
    expect(big?.truncated).toBe(true);
    // The note the model saw says where the full output is and how to page through it.
    const seen = body(server, 1);
    expect(seen).toContain('the full output is saved in .git/abca-output/call_big.txt');
    expect(seen).toContain('read_file');
    expect(seen).toContain('offset');
    const saved = await readFile(join(ws.dir, '.git/abca-output/call_big.txt'), 'utf8');
    expect(saved.split('\n')).toHaveLength(20001);
    expect(saved).toContain('\n12345\n');
    expect(paged?.isError).toBe(false);
    expect(paged?.result).toContain('15000\t15000\n15001\t15001');
    // Never part of the work: git does not see it.
    expect(ws.git('status', '--porcelain')).toBe('');
  });

  it('prunes older tool outputs before the window fills, keeping the recent turns intact', async () => {
    server.script(
      reply().tool('bash', { command: 'seq 1 5000' }, 'call_old').usage({ input: 1000, output: 10 }),
      reply().tool('bash', { command: 'echo one' }).usage({ input: 7000, output: 10 }),
      reply().tool('bash', { command: 'seq 1 2000' }).usage({ input: 7100, output: 10 }),
      reply().text('Done.').usage({ input: 3000, output: 5 }),
    );
    const { result, events, saved } = await run(ws, server, { contextWindowTokens: 11_000 });

    expect(result.outcome).toBe('completed');
    expect(server.requests).toHaveLength(4);
    const [pruned, ...more] = ofType(events, 'context_pruned');
    expect(more).toEqual([]);
    expect(pruned).toMatchObject({ turn: 4, outputs: 1, windowTokens: 11_000 });
    expect(pruned?.tokensBefore).toBeGreaterThanOrEqual(11_000 * 0.8);
    expect(pruned?.tokensAfter).toBeLessThan(pruned?.tokensBefore ?? 0);
    expect(ofType(events, 'context_compacted')).toEqual([]);
    // The old output is gone from the prompt, its placeholder says where it went; the recent one stays.
    const last = body(server, 3);
    expect(last).not.toContain('4321\\n4322');
    expect(last).toContain('Output pruned to save context');
    expect(last).toContain('.git/abca-output/call_old.txt');
    expect(last).toContain('1999\\n2000');
    const kept = await readFile(join(ws.dir, '.git/abca-output/call_old.txt'), 'utf8');
    expect(kept).toContain('4321\n4322');
    expect(ws.git('status', '--porcelain')).toBe('');
    // The transcript holds the pruned history.
    expect(JSON.stringify(saved.at(-1)?.messages)).toContain('Output pruned to save context');
  });

  it('compacts the history into a summary when pruning is not enough, and completes', async () => {
    server.script(
      reply().tool('bash', { command: 'seq 1 3000' }).usage({ input: 1000, output: 10 }),
      reply().tool('bash', { command: 'seq 3001 6000' }).usage({ input: 5000, output: 10 }),
      reply()
        .text('SUMMARY: printed 1..6000 twice; nothing left but to say done.')
        .usage({ input: 900, output: 30 }),
      reply().text('Done.').usage({ input: 1200, output: 5 }),
    );
    const { result, events, saved } = await run(ws, server, { contextWindowTokens: 8000 });

    expect(result.outcome).toBe('completed');
    expect(result.finalText).toBe('Done.');
    expect(server.requests).toHaveLength(4);
    expect(isCompactionRequest(server, 2)).toBe(true);
    // The compaction call carries the history as text, with no tools to call.
    expect((server.requests[2]?.body as { tools?: unknown[] } | undefined)?.tools ?? []).toEqual([]);
    expect(body(server, 2)).toContain('seq 3001 6000');
    const [compacted, ...more] = ofType(events, 'context_compacted');
    expect(more).toEqual([]);
    expect(compacted).toMatchObject({ turn: 3, reason: 'threshold', windowTokens: 8000 });
    expect(compacted?.tokensBefore).toBeGreaterThanOrEqual(8000 * 0.8);
    expect(compacted?.tokensAfter).toBeLessThan(compacted?.tokensBefore ?? 0);
    // The next turn continues from task + summary: the old outputs are gone.
    const next = body(server, 3);
    expect(next).toContain('Make hello.txt greet ABCA');
    expect(next).toContain('SUMMARY: printed 1..6000 twice');
    expect(next).not.toContain('2999\\n3000');
    // The compaction call is counted and reported like any model call.
    expect(ofType(events, 'model_call')).toHaveLength(4);
    expect(result.usage.inputTokens).toBe(1000 + 5000 + 900 + 1200);
    // The transcript holds the compacted state, and a resumed run continues from it.
    const after = saved.find((t) => t.context?.compactions === 1 && t.status === 'running');
    expect(after?.messages).toHaveLength(2);
    server.reset();
    server.script(reply().text('Resumed and done.'));
    const resumed = await run(ws, server, { contextWindowTokens: 8000, transcript: after });
    expect(resumed.result.outcome).toBe('completed');
    expect(body(server, 0)).toContain('SUMMARY: printed 1..6000 twice');
    expect(body(server, 0)).not.toContain('2999\\n3000');
  });

  for (const protocol of ['openai-compatible', 'anthropic'] as const) {
    it(`recovers from the provider's context-length error by compacting and retrying (${protocol})`, async () => {
      server.script(
        reply().tool('write_file', { path: 'notes.txt', content: 'kept\n' }),
        reply().tool('bash', { command: 'seq 1 3000' }),
        reply().contextLengthExceeded({ maxTokens: 5000, promptTokens: 6123 }),
        reply().text('SUMMARY: wrote notes.txt, printed numbers.'),
        reply().text('Done after compaction.'),
      );
      const { result, events } = await run(ws, server, { protocol });

      expect(result.error).toBeUndefined();
      expect(result.outcome).toBe('completed');
      expect(result.finalText).toBe('Done after compaction.');
      expect(isCompactionRequest(server, 3)).toBe(true);
      const [compacted] = ofType(events, 'context_compacted');
      expect(compacted).toMatchObject({ turn: 3, reason: 'context_length_error' });
      // The provider's message names the window (smaller than Claude's default): it is used from now on.
      expect(compacted?.windowTokens).toBe(5000);
      const failed = ofType(events, 'model_call').find((e) => e.error);
      expect(failed?.error?.code).toBe('MODEL_CONTEXT_EXCEEDED');
      expect(body(server, 4)).toContain('SUMMARY: wrote notes.txt');
      // In a 5000-token window the last turn is too big to keep verbatim.
      expect(body(server, 4)).not.toContain('2999\\n3000');
      expect(ofType(events, 'agent_finished')[0]).toMatchObject({ outcome: 'completed' });
    });
  }

  it('ends as model_error, keeping the work, when compaction cannot make the prompt fit', async () => {
    server.script(
      reply().tool('bash', { command: 'echo kept > kept.txt && git add kept.txt && git commit -qm keep' }),
      reply().contextLengthExceeded({ maxTokens: 4000 }),
      reply().text('SUMMARY: committed kept.txt.'),
      reply().contextLengthExceeded({ maxTokens: 4000 }),
    );
    const { result } = await run(ws, server, { protocol: 'openai-compatible' });

    expect(result.outcome).toBe('model_error');
    expect(result.error?.code).toBe('MODEL_CONTEXT_EXCEEDED');
    expect(result.error?.message).toContain('even compacted');
    expect(server.pending).toBe(0);
    expect(ws.git('log', '--format=%s')).toContain('keep');
  });
});
