import { generateText, type LanguageModel, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '../src/index.ts';
import { PROVIDERS, toolResultsIn } from './support/providers.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await createScriptedModelServer();
});
beforeEach(() => server.reset());
afterAll(() => server.close());

/** Runs a tool loop with the real AI SDK, generating or streaming, and returns what both expose. */
async function runLoop(mode: 'generate' | 'stream', model: LanguageModel) {
  const calls: Array<{ command: string }> = [];
  const bash = tool({
    description: 'Runs a shell command',
    inputSchema: z.object({ command: z.string() }),
    execute: async (input) => {
      calls.push(input);
      return `output of ${input.command}`;
    },
  });
  const options = { model, tools: { bash }, stopWhen: stepCountIs(5), prompt: 'List the files.' };
  if (mode === 'generate') {
    const result = await generateText(options);
    return { calls, text: result.text, steps: result.steps, totalUsage: result.totalUsage };
  }
  const result = streamText(options);
  return { calls, text: await result.text, steps: await result.steps, totalUsage: await result.totalUsage };
}

describe.each(PROVIDERS)('$name', (provider) => {
  it.each(['generate', 'stream'] as const)('runs a two-step tool loop (%s)', async (mode) => {
    server.script(
      reply()
        .text('Let me look.')
        .tool('bash', { command: 'ls -la' })
        .tool('bash', { command: 'pwd' })
        .usage({ input: 100, output: 20, cacheRead: 30, cacheWrite: 10 }),
      reply().text('There are two files.').usage({ input: 150, output: 5 }),
    );

    const result = await runLoop(mode, provider.model(server));

    expect(result.calls).toEqual([{ command: 'ls -la' }, { command: 'pwd' }]);
    expect(result.text).toBe('There are two files.');
    expect(result.steps).toHaveLength(2);
    const [first, second] = result.steps;
    expect(first?.text).toBe('Let me look.');
    expect(first?.finishReason).toBe('tool-calls');
    expect(second?.finishReason).toBe('stop');
    expect(first?.usage.inputTokens).toBe(100);
    expect(first?.usage.outputTokens).toBe(20);
    expect(first?.usage.inputTokenDetails.cacheReadTokens).toBe(30);
    expect(first?.usage.inputTokenDetails.cacheWriteTokens).toBe(provider.reportsCacheWrite ? 10 : undefined);
    expect(second?.usage.inputTokens).toBe(150);
    expect(result.totalUsage.inputTokens).toBe(250);
    expect(result.totalUsage.outputTokens).toBe(25);

    expect(server.pending).toBe(0);
    expect(server.requests.map((r) => [r.id, r.protocol, r.stream])).toEqual([
      [1, provider.protocol, mode === 'stream'],
      [2, provider.protocol, mode === 'stream'],
    ]);
    const toolCallIds = first?.toolCalls.map((call) => call.toolCallId) ?? [];
    expect(toolCallIds).toHaveLength(2);
    const results = toolResultsIn(server.requests[1]!);
    expect(toolCallIds.map((id) => results.get(id))).toEqual([
      expect.stringContaining('output of ls -la'),
      expect.stringContaining('output of pwd'),
    ]);
    expect(toolResultsIn(server.requests[0]!).size).toBe(0);
  });
});

describe('request log', () => {
  it('records path, headers, model and body, and ids count again after reset', async () => {
    const anthropic = PROVIDERS[0]!;
    server.script(reply().text('one'));
    await generateText({ model: anthropic.model(server), prompt: 'hello there' });

    const [request] = server.requests;
    expect(request).toMatchObject({ id: 1, path: '/v1/messages', model: 'claude-sonnet-4-5', stream: false });
    expect(request?.headers['x-api-key']).toBe('test');
    expect(JSON.stringify(request?.body.messages)).toContain('hello there');
    expect(Date.parse(request?.at ?? '')).not.toBeNaN();

    server.reset();
    server.script(reply().text('two'));
    await generateText({ model: anthropic.model(server), prompt: 'again' });
    expect(server.requests.map((r) => r.id)).toEqual([1]);
  });

  it('lets a dynamic responder answer before the queue, and fall through to it', async () => {
    const openai = PROVIDERS[1]!;
    server.onRequest((request) =>
      JSON.stringify(request.body).includes('ping') ? reply().text('pong') : undefined,
    );
    server.script(reply().text('from the queue'));

    const dynamic = await generateText({ model: openai.model(server), prompt: 'ping' });
    const queued = await generateText({ model: openai.model(server), prompt: 'other' });

    expect([dynamic.text, queued.text]).toEqual(['pong', 'from the queue']);
    expect(server.pending).toBe(0);
  });
});
