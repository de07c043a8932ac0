import { describe, expect, it } from 'vitest';
import { agentEventSchema, agentTranscriptSchema } from '../src/index.ts';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

describe('runAgent on a real repository', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('edits, tests and commits; events show every turn and tool call', async () => {
    server.script(
      reply().text('Let me look.').tool('read_file', { path: 'hello.txt' }),
      reply().tool('edit_file', { path: 'hello.txt', old_string: 'hello world', new_string: 'hello ABCA' }),
      reply().tool('bash', { command: './test.sh' }),
      reply().tool('bash', { command: 'git add -A && git commit -q -m "Greet ABCA"' }),
      reply().text('Done: hello.txt greets ABCA and test.sh passes.'),
    );
    const { result, events, saved } = await run(ws, server);

    expect(ws.sandbox.kind).toBe('bubblewrap');
    expect(result.outcome).toBe('completed');
    expect(result.turns).toBe(5);
    expect(result.finalText).toContain('Done');
    expect(ws.git('log', '--format=%s')).toContain('Greet ABCA');
    expect(ws.git('show', 'HEAD:hello.txt')).toBe('hello ABCA\n');

    for (const event of events) agentEventSchema.parse(event);
    expect(ofType(events, 'turn_started').map((e) => e.turn)).toEqual([1, 2, 3, 4, 5]);
    expect(ofType(events, 'turn_completed').map((e) => e.turn)).toEqual([1, 2, 3, 4, 5]);
    expect(ofType(events, 'model_call')).toHaveLength(5);
    const tools = ofType(events, 'tool_call');
    expect(tools.map((e) => [e.tool, e.isError])).toEqual([
      ['read_file', false],
      ['edit_file', false],
      ['bash', false],
      ['bash', false],
    ]);
    expect(tools[0]?.result).toBe('1\thello world');
    expect(tools[2]?.result).toContain('PASS');
    expect(events.at(-1)).toMatchObject({ type: 'agent_finished', outcome: 'completed', turns: 5 });
    expect(saved).toHaveLength(5);
    agentTranscriptSchema.parse(JSON.parse(JSON.stringify(saved.at(-1))));
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.costUsd).toBeGreaterThan(0);
  });
});
