import { describe, expect, it } from 'vitest';
import {
  ofType,
  type Protocol,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

const WIRE: Record<Protocol, 'openai-chat' | 'anthropic-messages'> = {
  anthropic: 'anthropic-messages',
  openai: 'openai-chat',
  'openai-compatible': 'openai-chat',
};

describe('provider adapters run a tool-calling loop over HTTP', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  for (const protocol of ['anthropic', 'openai', 'openai-compatible'] as const) {
    for (const stream of [true, false]) {
      it(`${protocol}, stream: ${stream}`, async () => {
        server.script(
          reply()
            .text('Editing.')
            .tool('edit_file', { path: 'hello.txt', old_string: 'world', new_string: 'ABCA' })
            .usage({ input: 120, output: 30 }),
          reply()
            .tool('bash', { command: './test.sh' })
            .tool('bash', { command: 'git commit -qam "Greet ABCA"' })
            .usage({ input: 200, output: 40 }),
          reply().text('Done.').usage({ input: 260, output: 10 }),
        );
        const { result, events } = await run(ws, server, { protocol, stream });

        expect(result.outcome).toBe('completed');
        expect(result.finalText).toBe('Done.');
        expect(server.requests.map((r) => [r.protocol, r.stream])).toEqual([
          [WIRE[protocol], stream],
          [WIRE[protocol], stream],
          [WIRE[protocol], stream],
        ]);
        expect(ofType(events, 'tool_call').map((e) => [e.tool, e.isError])).toEqual([
          ['edit_file', false],
          ['bash', false],
          ['bash', false],
        ]);
        expect(ws.git('log', '--format=%s', '-1').trim()).toBe('Greet ABCA');
        expect(result.usage).toMatchObject({ inputTokens: 580, outputTokens: 80 });
        expect(ofType(events, 'model_call').map((e) => e.inputTokens)).toEqual([120, 200, 260]);
        // Both tool results of turn 2 went back in turn 3's request.
        const last = JSON.stringify(server.requests[2]?.body);
        expect(last).toContain('PASS');
        expect(last).toContain('[exit code: 0]');
      });
    }
  }

  it('anthropic: cache breakpoints on the system prompt and the last message only', async () => {
    server.script(reply().tool('bash', { command: 'true' }), reply().text('Done.'));
    await run(ws, server, { protocol: 'anthropic' });
    const body = server.requests[1]?.body as {
      system: { cache_control?: unknown }[];
      messages: { content: { cache_control?: unknown }[] }[];
    };
    expect(body.system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    const marked = body.messages.flatMap((m, i) => m.content.filter((c) => c.cache_control).map(() => i));
    expect(marked).toEqual([body.messages.length - 1]);
  });

  it('cache reads and writes are reported per call and priced separately', async () => {
    for (const protocol of ['anthropic', 'openai'] as const) {
      server.script(
        reply().text('Done.').usage({ input: 1_000_000, output: 0, cacheRead: 600_000, cacheWrite: 0 }),
      );
      const { events } = await run(ws, server, { protocol });
      const [call] = ofType(events, 'model_call');
      expect(call, protocol).toMatchObject({ inputTokens: 1_000_000, cacheReadTokens: 600_000 });
      // claude-sonnet-4-5: 0.4 M plain at $3 + 0.6 M cached at $0.30; gpt-4o: 0.4 M at $2.5 + 0.6 M at $1.25.
      expect(call?.costUsd, protocol).toBeCloseTo(protocol === 'anthropic' ? 1.38 : 1.75, 6);
    }
  });

  it('openai: no cache markers and Chat Completions tool messages', async () => {
    server.script(reply().tool('bash', { command: 'true' }), reply().text('Done.'));
    await run(ws, server, { protocol: 'openai' });
    const raw = JSON.stringify(server.requests[1]?.body);
    expect(raw).not.toContain('cache_control');
    expect(raw).toContain('"role":"tool"');
  });
});
