import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentTranscriptSchema, type GatedToolCall, type ToolCallVerdict } from '../src/index.ts';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

/**
 * The tool-call gate: a held call pauses the run with its turn saved; the resume asks again and the
 * call runs (approved) or answers the model with the gate's message (denied); the calls before the
 * held one are not run twice, the ones after it wait with it.
 */
describe('tool-call gate', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  const touches = (call: GatedToolCall) =>
    call.toolName === 'bash' && String((call.input as { command?: string }).command).includes('touch');

  it('pauses before a held call, then runs it once approved; earlier calls are not repeated', async () => {
    server.script(
      reply()
        .tool('bash', { command: 'echo one >> log.txt' }, 'c1')
        .tool('bash', { command: 'touch gated.txt && echo two >> log.txt' }, 'c2')
        .tool('bash', { command: 'echo three >> log.txt' }, 'c3'),
    );
    const asked: GatedToolCall[] = [];
    const first = await run(ws, server, {
      gateToolCall: async (call) => {
        asked.push(call);
        return touches(call) ? { action: 'wait' } : { action: 'run' };
      },
    });
    expect(first.result.outcome).toBe('awaiting_approval');
    expect(asked.map((c) => c.toolCallId)).toEqual(['c1', 'c2']);
    expect(asked[1]?.argsText).toContain('touch gated.txt');
    expect(await readFile(join(ws.dir, 'log.txt'), 'utf8')).toBe('one\n');
    const saved = agentTranscriptSchema.parse(JSON.parse(JSON.stringify(first.saved.at(-1))));
    expect(saved.status).toBe('running');
    expect(saved.pendingTools?.done.map((d) => d.call.toolCallId)).toEqual(['c1']);
    expect(ofType(first.events, 'turn_completed')).toHaveLength(0);
    expect(ofType(first.events, 'agent_finished')).toHaveLength(0);

    server.script(reply().text('All three ran.'));
    const second = await run(ws, server, {
      transcript: saved,
      gateToolCall: async () => ({ action: 'run' }),
    });
    expect(second.result.outcome).toBe('completed');
    expect(await readFile(join(ws.dir, 'log.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    // The model saw the three results of that one turn, in order, and no call was asked for twice.
    expect(server.requests).toHaveLength(2);
    const body = JSON.stringify(server.requests[1]?.body);
    expect(body.indexOf('c1')).toBeLessThan(body.indexOf('c2'));
    expect(ofType(second.events, 'tool_call').map((e) => e.toolCallId)).toEqual(['c2', 'c3']);
    expect(ofType(second.events, 'turn_completed')[0]).toMatchObject({ turn: 1, toolCalls: 3 });
  });

  it('a denied call answers the model with the reason and the run goes on', async () => {
    server.script(reply().tool('bash', { command: 'touch nope.txt' }, 'd1'));
    const first = await run(ws, server, {
      gateToolCall: async (call) => (touches(call) ? { action: 'wait' } : { action: 'run' }),
    });
    expect(first.result.outcome).toBe('awaiting_approval');
    server.script(
      reply().when('Denied by alice: not in this repo').text('Understood, I will not create that file.'),
    );
    const verdict: ToolCallVerdict = { action: 'deny', message: 'Denied by alice: not in this repo' };
    const second = await run(ws, server, {
      transcript: first.result.transcript,
      gateToolCall: async () => verdict,
    });
    expect(second.result.outcome).toBe('completed');
    expect(second.result.finalText).toBe('Understood, I will not create that file.');
    const calls = ofType(second.events, 'tool_call');
    expect(calls).toEqual([expect.objectContaining({ toolCallId: 'd1', isError: true })]);
    expect(calls[0]?.result).toContain('not in this repo');
    await expect(readFile(join(ws.dir, 'nope.txt'))).rejects.toThrow();
  });

  it('a call the model got wrong is answered without asking the gate', async () => {
    server.script(reply().tool('no_such_tool', { x: 1 }, 'u1'), reply().text('Done.'));
    const asked: string[] = [];
    const r = await run(ws, server, {
      gateToolCall: async (call) => {
        asked.push(call.toolCallId);
        return { action: 'wait' };
      },
    });
    expect(r.result.outcome).toBe('completed');
    expect(asked).toEqual([]);
  });
});
