import { describe, expect, it } from 'vitest';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

const edit = () =>
  reply().tool('edit_file', { path: 'hello.txt', old_string: 'hello world', new_string: 'hello ABCA' });
const commit = () =>
  reply().text('Wrapping up.').tool('bash', { command: 'git add -A && git commit -q -m "WIP: greet ABCA"' });

/** The text of every message of a recorded request, joined (both protocols). */
function requestText(server: ScriptedModelServer, index: number): string {
  return JSON.stringify(server.requests[index]?.body ?? {});
}

describe('limits', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('max turns: one wrap-up turn with tools, its commit is kept, outcome max_turns', async () => {
    server.script(
      edit(),
      reply().tool('bash', { command: './test.sh' }),
      commit(),
      reply().text('never asked'),
    );
    const { result, events } = await run(ws, server, { limits: { maxTurns: 2 } });

    expect(result.outcome).toBe('max_turns');
    expect(result.turns).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(ofType(events, 'limit_reached')).toEqual([
      expect.objectContaining({ turn: 3, limit: 'max_turns', value: 2, threshold: 2 }),
    ]);
    expect(ofType(events, 'turn_started').at(-1)).toMatchObject({ turn: 3, wrapUp: true });
    const wrapUpRequest = server.requests[2]?.body as { tools?: unknown[] };
    expect(requestText(server, 2)).toContain('last turn');
    expect(wrapUpRequest.tools).toHaveLength(6);
    expect(ws.git('log', '--format=%s')).toContain('WIP: greet ABCA');
    expect(ws.git('status', '--porcelain')).toBe('');
    expect(result.finalText).toBe('Wrapping up.');
  });

  it('token budget: stops with budget_exceeded after the wrap-up turn', async () => {
    server.script(
      edit().usage({ input: 60, output: 10 }),
      reply().tool('bash', { command: 'true' }).usage({ input: 60, output: 10 }),
      commit(),
    );
    const { result, events } = await run(ws, server, { limits: { maxTurns: 50, maxTokens: 100 } });

    expect(result.outcome).toBe('budget_exceeded');
    expect(result.turns).toBe(3);
    expect(ofType(events, 'limit_reached')[0]).toMatchObject({
      limit: 'max_tokens',
      value: 140,
      threshold: 100,
    });
    expect(ws.git('log', '--format=%s')).toContain('WIP: greet ABCA');
  });

  it('dollar budget: priced with the override, stops with budget_exceeded', async () => {
    server.script(
      edit().usage({ input: 1000, output: 1000 }),
      reply().tool('bash', { command: 'true' }).usage({ input: 1000, output: 1000 }),
      commit().usage({ input: 1000, output: 1000 }),
    );
    const { result, events } = await run(ws, server, {
      limits: { maxTurns: 50, maxBudgetUsd: 3 },
      pricing: { overrides: { 'gpt-4o': { input: 1000, output: 1000 } } },
    });

    expect(result.outcome).toBe('budget_exceeded');
    expect(ofType(events, 'model_call').map((e) => e.costUsd)).toEqual([2, 2, 2]);
    expect(ofType(events, 'limit_reached')[0]).toMatchObject({
      limit: 'max_budget_usd',
      value: 4,
      threshold: 3,
    });
    expect(result.usage.costUsd).toBe(6);
    expect(ws.git('log', '--format=%s')).toContain('WIP: greet ABCA');
  });

  it('wall time: measured on the injected clock, ends timed_out after the wrap-up turn', async () => {
    let now = 1_000_000;
    server.onRequest(() => {
      now += 40_000;
    });
    server.script(edit(), reply().tool('bash', { command: 'true' }), commit());
    const { result, events } = await run(ws, server, {
      limits: { maxTurns: 50, wallTimeMs: 60_000 },
      clock: { now: () => now },
    });

    expect(result.outcome).toBe('timed_out');
    expect(ofType(events, 'limit_reached')[0]).toMatchObject({ turn: 3, limit: 'wall_time' });
    expect(result.transcript.elapsedMs).toBe(120_000);
    expect(ws.git('log', '--format=%s')).toContain('WIP: greet ABCA');
  });

  it('wall time: the hard deadline aborts a turn that does not end (wrapUpGraceMs after the limit)', async () => {
    server.script(reply().hang());
    const started = performance.now();
    const { result, events } = await run(ws, server, {
      limits: { maxTurns: 50, wallTimeMs: 50 },
      wrapUpGraceMs: 50,
    });

    expect(result.outcome).toBe('timed_out');
    expect(performance.now() - started).toBeLessThan(3000);
    expect(ofType(events, 'limit_reached')).toEqual([
      expect.objectContaining({ limit: 'wall_time', threshold: 50 }),
    ]);
    expect(result.transcript.limit).toBe('wall_time');
  });
});
