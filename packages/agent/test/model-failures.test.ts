import { describe, expect, it } from 'vitest';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

describe('model failures are values', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  for (const protocol of ['openai', 'anthropic'] as const) {
    for (const stream of [true, false]) {
      it(`malformed tool-call JSON becomes an error result the model can act on (${protocol}, stream: ${stream})`, async () => {
        server.script(
          reply().toolRaw('bash', '{"command": "ls'),
          reply().tool('bash', { command: 'ls' }),
          reply().text('ok'),
        );
        const { result, events } = await run(ws, server, { protocol, stream });

        expect(result.outcome).toBe('completed');
        const [bad, good] = ofType(events, 'tool_call');
        expect(bad).toMatchObject({ tool: 'bash', isError: true });
        // Anthropic's non-streaming format cannot carry broken JSON: model-kit sends it as a JSON
        // string, which parses but is not an object, so the tool's own validation answers.
        const expected =
          protocol === 'anthropic' && !stream ? 'Invalid arguments for tool "bash"' : 'could not be parsed';
        expect(bad?.result).toContain(expected);
        expect(good).toMatchObject({ tool: 'bash', isError: false });
        expect(JSON.stringify(server.requests[1]?.body)).toContain(expected.replace(/"/g, '\\"'));
      });
    }
  }

  it('an unknown tool becomes an error result listing the real tools', async () => {
    server.script(reply().tool('deploy_to_prod', { now: true }), reply().text('ok'));
    const { result, events } = await run(ws, server);
    expect(result.outcome).toBe('completed');
    const [call] = ofType(events, 'tool_call');
    expect(call).toMatchObject({ tool: 'deploy_to_prod', isError: true });
    expect(call?.result).toContain('Unknown tool "deploy_to_prod"');
    expect(call?.result).toContain('bash, read_file, write_file, edit_file, glob, grep');
  });

  it('arguments of the wrong shape get a zod message telling the model what to fix', async () => {
    server.script(reply().tool('read_file', { file: 'hello.txt' }), reply().text('ok'));
    const { events } = await run(ws, server);
    const [call] = ofType(events, 'tool_call');
    expect(call?.isError).toBe(true);
    expect(call?.result).toContain('Invalid arguments for tool "read_file"');
    expect(call?.result).toContain('- path:');
  });

  it('an empty response gets one retry prompt, then succeeds', async () => {
    server.script(reply().empty(), reply().text('Here is my summary.'));
    const { result } = await run(ws, server);
    expect(result.outcome).toBe('completed');
    expect(result.turns).toBe(2);
    expect(JSON.stringify(server.requests[1]?.body)).toContain('Your last response was empty');
  });

  it('two empty responses in a row end with model_error', async () => {
    server.script(reply().empty(), reply().empty(), reply().text('never asked'));
    const { result } = await run(ws, server);
    expect(result.outcome).toBe('model_error');
    expect(result.error).toMatchObject({ code: 'MODEL_EMPTY_RESPONSE', retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  for (const stream of [true, false]) {
    it(`429 then success: retried, the run goes on (stream: ${stream})`, async () => {
      server.script(reply().error(429), reply().text('Finished.'));
      const { result, events } = await run(ws, server, { stream });
      expect(result.outcome).toBe('completed');
      expect(server.requests).toHaveLength(2);
      expect(ofType(events, 'model_call')).toEqual([expect.objectContaining({ retries: 1 })]);
    });
  }

  for (const protocol of ['openai', 'anthropic'] as const) {
    for (const stream of [true, false]) {
      it(`a connection dropped mid-answer is retried (${protocol}, stream: ${stream})`, async () => {
        server.script(reply().text('half of this answer').drop(), reply().text('Finished.'));
        const { result } = await run(ws, server, { protocol, stream });
        expect(result.outcome).toBe('completed');
        expect(result.finalText).toBe('Finished.');
        expect(server.requests).toHaveLength(2);
      });
    }
  }

  it('5xx after every retry ends with a retryable model_error', async () => {
    server.script(reply().error(503), reply().error(503), reply().error(503));
    const { result, events } = await run(ws, server, { retry: { maxRetries: 2, initialDelayMs: 1 } });
    expect(result.outcome).toBe('model_error');
    expect(result.error).toMatchObject({ code: 'MODEL_UNAVAILABLE', retryable: true });
    expect(server.requests).toHaveLength(3);
    expect(ofType(events, 'model_call')[0]).toMatchObject({
      retries: 2,
      error: { code: 'MODEL_UNAVAILABLE' },
    });
  });

  it('a 401 is not retried and is not retryable', async () => {
    server.script(reply().error(401));
    const { result } = await run(ws, server);
    expect(result.outcome).toBe('model_error');
    expect(result.error).toMatchObject({ code: 'MODEL_REQUEST_REJECTED', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('a hung server is cut by the per-call timeout and retried', async () => {
    server.script(reply().hang(), reply().text('Finished.'));
    const { result } = await run(ws, server, { modelCallTimeoutMs: 300 });
    expect(result.outcome).toBe('completed');
    expect(server.requests).toHaveLength(2);
  });
});
