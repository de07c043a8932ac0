import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createScriptedModelServer,
  estimateInputTokens,
  type RecordedRequest,
  reply,
  replyFromJson,
  type ScriptedModelServer,
} from '../src/index.ts';
import { PROVIDERS, toolResultsIn } from './support/providers.ts';

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await createScriptedModelServer();
});
beforeEach(() => server.reset());
afterAll(() => server.close());

/** The rejection of `promise`, failing the test when it resolves. */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Runs generateText or streamText and awaits what both expose. */
async function complete(stream: boolean, options: Parameters<typeof generateText>[0]) {
  if (!stream) {
    const { text, content, finishReason, steps } = await generateText(options);
    return { text, content, finishReason, steps };
  }
  const result = streamText(options);
  return {
    text: await result.text,
    content: await result.content,
    finishReason: await result.finishReason,
    steps: await result.steps,
  };
}

describe.each(PROVIDERS)('$name', (provider) => {
  it('surfaces error(429) as an API error with status, message and retry-after', async () => {
    server.script(reply().error(429, 'rate limited', { retryAfterSeconds: 1 }));

    const error = await rejectionOf(
      generateText({ model: provider.model(server), prompt: 'hi', maxRetries: 0 }),
    );

    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.message).toBe('rate limited');
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.responseHeaders?.['retry-after']).toBe('1');
    expect(server.requests).toHaveLength(1);
  });

  it('succeeds on retry when a 429 is followed by text', async () => {
    server.script(
      reply().error(429, 'rate limited', { retryAfterSeconds: 0 }),
      reply().text('second time lucky'),
    );

    const result = await generateText({ model: provider.model(server), prompt: 'hi', maxRetries: 1 });

    expect(result.text).toBe('second time lucky');
    expect(server.requests).toHaveLength(2);
    expect(server.pending).toBe(0);
  });

  it('keeps a hanging request open until the client aborts', async () => {
    server.script(reply().hang());
    const abort = new AbortController();
    const pending = rejectionOf(
      generateText({ model: provider.model(server), prompt: 'hi', abortSignal: abort.signal }),
    );

    await server.waitForRequest(1);
    abort.abort();

    expect((await pending) as Error).toMatchObject({ name: 'AbortError' });
  });

  it.each([false, true])('turns drop() into a client error (stream: %s)', async (stream) => {
    server.script(reply().text('a partial answer that never ends').drop());
    const options = { model: provider.model(server), prompt: 'hi', maxRetries: 0 };

    const error = await rejectionOf(
      stream ? streamText({ ...options, onError: () => {} }).text : generateText(options),
    );

    expect(error).toBeInstanceOf(Error);
    expect(server.requests[0]?.stream).toBe(stream);
  });

  it.each([false, true])('answers empty() with no content (stream: %s)', async (stream) => {
    server.script(reply().empty());
    const options = { model: provider.model(server), prompt: 'hi' };

    const result = await complete(stream, options);

    expect(result.text).toBe('');
    expect(result.content).toEqual([]);
    expect(result.finishReason).toBe('stop');
  });

  it.each([false, true])('reports a malformed tool call back to the model (stream: %s)', async (stream) => {
    server.script(reply().toolRaw('bash', '{not json'), reply().text('Sorry, retrying.'));
    let executed = 0;
    const bash = tool({
      inputSchema: z.object({ command: z.string() }),
      execute: async () => {
        executed++;
        return 'ran';
      },
    });
    const options = {
      model: provider.model(server),
      tools: { bash },
      stopWhen: stepCountIs(5),
      prompt: 'hi',
    };

    const result = await complete(stream, options);

    expect(result.text).toBe('Sorry, retrying.');
    expect(executed).toBe(0);
    const [first] = result.steps;
    expect(first?.content.find((part) => part.type === 'tool-call')).toMatchObject({
      toolName: 'bash',
      invalid: true,
    });
    const toolError = first?.content.find((part) => part.type === 'tool-error');
    expect(String(toolError?.error)).toContain('Invalid input for tool bash');
    const results = toolResultsIn(server.requests[1]!);
    expect(results.get(toolError?.toolCallId ?? '')).toContain('Invalid input for tool bash');
  });

  it('answers 500 "script exhausted" and records the request', async () => {
    const error = await rejectionOf(
      generateText({ model: provider.model(server), prompt: 'hi', maxRetries: 0 }),
    );

    expect((error as APICallError).statusCode).toBe(500);
    expect((error as APICallError).message).toBe('model-kit: script exhausted (request 1)');
    expect(server.requests.map((r) => r.protocol)).toEqual([provider.protocol]);
  });
});

describe('server', () => {
  it('answers the error shape of each protocol', async () => {
    server.script(reply().error(529, 'overloaded'), reply().error(400, 'bad', { type: 'custom_error' }));
    const post = (path: string) =>
      fetch(`${server.baseUrl}${path}`, { method: 'POST', body: '{"model":"m","messages":[]}' });

    const anthropic = await post('/messages');
    const openai = await post('/chat/completions');

    expect([anthropic.status, await anthropic.json()]).toEqual([
      529,
      { type: 'error', error: { type: 'overloaded_error', message: 'overloaded' } },
    ]);
    expect([openai.status, await openai.json()]).toEqual([
      400,
      { error: { message: 'bad', type: 'custom_error', param: null, code: null } },
    ]);
  });

  it("answers each provider's own context-length error, and an OpenAI error code on request", async () => {
    const body = '{"model":"m","messages":[]}';
    server.script(
      reply().contextLengthExceeded({ maxTokens: 8192, promptTokens: 9000 }),
      reply().contextLengthExceeded({ maxTokens: 200_000 }),
      replyFromJson({ error: { status: 400, message: 'too long', code: 'context_length_exceeded' } }),
    );
    const post = (path: string) => fetch(`${server.baseUrl}${path}`, { method: 'POST', body });

    const openai = await post('/chat/completions');
    const anthropic = await post('/messages');
    const coded = await post('/chat/completions');

    expect([openai.status, await openai.json()]).toEqual([
      400,
      {
        error: {
          message:
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    ]);
    // Without promptTokens, the request's estimated input tokens (what usage would report).
    const estimated = Math.ceil(body.length / 4);
    expect([anthropic.status, await anthropic.json()]).toEqual([
      400,
      {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: `prompt is too long: ${estimated} tokens > 200000 maximum`,
        },
      },
    ]);
    expect(estimateInputTokens(server.requests[1] as RecordedRequest)).toBe(estimated);
    expect(((await coded.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
    expect(() => replyFromJson({ contextLengthExceeded: { maxTokens: 10 }, hang: true })).toThrow(
      /at most one of contextLengthExceeded, hang/,
    );
  });

  it('serves the model list and the unprefixed path, 404s unknown paths without recording them', async () => {
    server.script(reply().text('hi'));

    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as {
      data: Array<{ id: string }>;
    };
    const unprefixed = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: '{"messages":[]}',
    });
    const unknown = await fetch(`${server.baseUrl}/embeddings`, { method: 'POST', body: '{}' });

    expect(models.data.map((m) => m.id)).toContain('gpt-4o');
    expect(unprefixed.status).toBe(200);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found_error' } });
    expect(server.requests.map((r) => r.path)).toEqual(['/chat/completions']);
  });

  it('records a body that is not JSON and answers 400 without consuming a reply', async () => {
    server.script(reply().text('kept'));

    const response = await fetch(`${server.baseUrl}/messages`, { method: 'POST', body: '{oops' });

    expect(response.status).toBe(400);
    expect(server.requests[0]).toMatchObject({ rawBody: '{oops', body: {} });
    expect(server.pending).toBe(1);
  });

  it('waits for delay() before answering', async () => {
    server.script(reply().text('late').delay(50));
    const started = performance.now();

    const result = await generateText({ model: PROVIDERS[1]!.model(server), prompt: 'hi' });

    expect(result.text).toBe('late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('ends hanging requests when it closes', async () => {
    const own = await createScriptedModelServer();
    own.script(reply().hang());
    const pending = rejectionOf(
      fetch(`${own.baseUrl}/messages`, { method: 'POST', body: '{"messages":[]}' }),
    );

    await own.waitForRequest(1);
    await own.close();

    expect(await pending).toBeInstanceOf(Error);
  });

  it('rejects usage it cannot report', () => {
    expect(() => reply().usage({ input: 10, output: 1, cacheRead: 8, cacheWrite: 8 })).toThrow(
      /must not exceed/,
    );
    expect(() => reply().usage({ input: 1.5, output: 1 })).toThrow(/non-negative integer/);
  });
});
