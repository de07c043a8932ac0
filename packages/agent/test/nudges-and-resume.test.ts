import { describe, expect, it } from 'vitest';
import type { AgentTranscript } from '../src/index.ts';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

describe('nudges and resume', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it("a nudge read between turns is fenced as the owner's message in the next request", async () => {
    const pending = [[], ['Please also keep the file lowercase.'], []];
    server.script(reply().tool('read_file', { path: 'hello.txt' }), reply().text('Noted, done.'));
    const { result, events } = await run(ws, server, { readNudges: async () => pending.shift() ?? [] });

    expect(result.outcome).toBe('completed');
    expect(ofType(events, 'nudge_received')).toEqual([
      expect.objectContaining({ turn: 2, message: 'Please also keep the file lowercase.' }),
    ]);
    const second = JSON.stringify(server.requests[1]?.body);
    expect(second).toContain('<owner_message>\\nPlease also keep the file lowercase.\\n</owner_message>');
    expect(JSON.stringify(server.requests[0]?.body)).not.toContain('lowercase');
    const types = events.map((e) => e.type);
    expect(types.indexOf('nudge_received')).toBeLessThan(types.lastIndexOf('turn_started'));
  });

  it('resumes from a saved transcript: the first request carries the earlier turns, no turn repeats', async () => {
    server.script(
      reply().tool('edit_file', { path: 'hello.txt', old_string: 'hello world', new_string: 'hello ABCA' }),
      reply().tool('bash', { command: './test.sh' }),
    );
    // First attempt: "crash" after turn 2 is saved, by cancelling from inside saveTranscript.
    const crash = new AbortController();
    let checkpoint: AgentTranscript | undefined;
    const first = await run(ws, server, {
      signal: crash.signal,
      saveTranscript: async (t) => {
        if (t.turns === 2 && t.status === 'running') {
          checkpoint = JSON.parse(JSON.stringify(t)) as AgentTranscript;
          crash.abort();
        }
      },
    });
    expect(first.result.outcome).toBe('cancelled');
    expect(server.requests).toHaveLength(2);
    expect(checkpoint?.turns).toBe(2);

    server.script(
      reply().tool('bash', { command: 'git commit -qam "Greet ABCA"' }),
      reply().text('Resumed and done.'),
    );
    const resumed = await run(ws, server, { transcript: checkpoint, prompt: 'ignored on resume' });

    expect(resumed.result.outcome).toBe('completed');
    const resumedTurns = ofType(resumed.events, 'turn_started').map((e) => e.turn);
    expect(resumedTurns[0]).toBe(3);
    const firstResumed = server.requests[2]?.body as { messages: { role: string; content: unknown }[] };
    const turn2Request = server.requests[1]?.body as { messages: unknown[] };
    // Everything the first attempt sent in turn 2, plus turn 2's answer and tool result.
    expect(firstResumed.messages.slice(0, turn2Request.messages.length)).toEqual(turn2Request.messages);
    expect(JSON.stringify(firstResumed.messages)).toContain('PASS');
    expect(JSON.stringify(firstResumed.messages)).not.toContain('ignored on resume');
    expect(resumed.result.turns).toBe(resumedTurns.at(-1));
    expect(ws.git('show', 'HEAD:hello.txt')).toBe('hello ABCA\n');
  });

  it('a run that ended with a model error resumes where it stopped', async () => {
    server.script(reply().tool('bash', { command: 'echo first' }), reply().error(503));
    const failed = await run(ws, server, { retry: { maxRetries: 0 } });
    expect(failed.result).toMatchObject({ outcome: 'model_error', turns: 1, error: { retryable: true } });

    server.script(reply().text('Back and done.'));
    const resumed = await run(ws, server, { transcript: failed.result.transcript });
    expect(resumed.result).toMatchObject({ outcome: 'completed', turns: 2, finalText: 'Back and done.' });
    expect(resumed.result.error).toBeUndefined();
    expect(ofType(resumed.events, 'turn_started').map((e) => e.turn)).toEqual([2]);
    expect(server.requests[2]?.body).toEqual(server.requests[1]?.body);
  });

  it('a finished transcript is returned as is, without calling the model', async () => {
    server.script(reply().text('All done.'));
    const first = await run(ws, server);
    const again = await run(ws, server, { transcript: first.result.transcript });
    expect(again.result.outcome).toBe('completed');
    expect(again.result.finalText).toBe('All done.');
    expect(server.requests).toHaveLength(1);
  });
});
