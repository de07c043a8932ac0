import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { classifyModelError, isContextLengthError, windowFromContextError } from './classify-model-error.ts';

const rejected = (statusCode: number, message: string, responseBody = '') =>
  new APICallError({ message, url: 'http://127.0.0.1/v1', requestBodyValues: {}, statusCode, responseBody });

describe('context-length errors', () => {
  it.each([
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
    'prompt is too long: 210000 tokens > 200000 maximum',
    'Input is too long for requested model.',
    'Requested token count exceeds the model context length of 4096',
    'the request exceeds the available context size, try increasing the context size',
    'Trying to keep the first 5000 tokens when context the overflows. too many tokens',
  ])('recognises %j', (text) => {
    expect(isContextLengthError(text)).toBe(true);
    expect(classifyModelError(rejected(400, text))).toMatchObject({
      code: 'MODEL_CONTEXT_EXCEEDED',
      retryable: false,
    });
  });

  it('finds the code in the body when the message does not say it', () => {
    const body = '{"error":{"message":"bad request","code":"context_length_exceeded"}}';
    expect(classifyModelError(rejected(400, 'bad request', body)).code).toBe('MODEL_CONTEXT_EXCEEDED');
  });

  it.each([
    'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens',
    'invalid x-api-key',
    'model not found',
  ])('leaves %j a rejected request', (text) => {
    expect(isContextLengthError(text)).toBe(false);
    expect(classifyModelError(rejected(400, text)).code).toBe('MODEL_REQUEST_REJECTED');
  });

  it('reads the window the provider names', () => {
    expect(windowFromContextError("This model's maximum context length is 8192 tokens.")).toBe(8192);
    expect(windowFromContextError('prompt is too long: 210000 tokens > 200000 maximum')).toBe(200_000);
    expect(windowFromContextError('exceeds the model context length of 4096')).toBe(4096);
    expect(windowFromContextError('prompt is too long')).toBeUndefined();
  });
});
