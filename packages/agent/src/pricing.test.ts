import { describe, expect, it } from 'vitest';
import { computeCost, lookupPrice, priceFor, ZERO_PRICE } from './pricing.ts';

describe('pricing', () => {
  it('matches the longest prefix across providers and Bedrock ids', () => {
    expect(priceFor('anthropic:claude-opus-4-5-20251101').input).toBe(5);
    expect(priceFor('anthropic:claude-opus-4-1-20250805').input).toBe(15);
    expect(priceFor('bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0').output).toBe(15);
    expect(priceFor('openai:gpt-4o-mini').input).toBe(0.15);
    expect(priceFor('openai:gpt-4o-2024-08-06').input).toBe(2.5);
  });

  it('never invents a price: an unknown model is unpriced and counts 0', () => {
    expect(lookupPrice('anthropic:claude-mystery-9')).toEqual({
      priced: false,
      price: ZERO_PRICE,
      source: 'unpriced',
    });
    expect(priceFor('bedrock:meta.llama3-70b')).toEqual(ZERO_PRICE);
  });

  it('prices models on openai-compatible (local servers, the scripted model) at 0, list prices aside', () => {
    expect(lookupPrice('openai-compatible:scripted')).toEqual({
      priced: true,
      price: ZERO_PRICE,
      source: 'free',
    });
    // A local model named like a hosted one is still not billed at the hosted list price.
    expect(lookupPrice('openai-compatible:gpt-4o').price).toEqual(ZERO_PRICE);
    expect(lookupPrice('openai-compatible:gpt-4o', { freeProviders: [] }).price.input).toBe(2.5);
  });

  it("the operator's entries apply to any provider, by full ref or bare model id, and win over list prices", () => {
    const overrides = {
      'openai-compatible:llama3': { input: 0.2, output: 0.6 },
      'claude-mystery': { input: 7, output: 9 },
      'gpt-4o': { input: 1, output: 2 },
    };
    expect(lookupPrice('openai-compatible:llama3:70b', { overrides })).toMatchObject({
      priced: true,
      source: 'table',
      key: 'openai-compatible:llama3',
      price: { input: 0.2, output: 0.6 },
    });
    expect(priceFor('anthropic:claude-mystery-9', { overrides }).output).toBe(9);
    expect(priceFor('openai:gpt-4o', { overrides }).input).toBe(1);
    // A longer list key is more specific than the operator's shorter one.
    expect(priceFor('openai:gpt-4o-mini', { overrides }).input).toBe(0.15);
  });

  it('prices cached tokens separately from plain input', () => {
    const price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
    const usd = computeCost(
      { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 500_000, cacheWriteTokens: 100_000 },
      price,
    );
    expect(usd).toBeCloseTo(0.4 * 3 + 0.5 * 0.3 + 0.1 * 3.75 + 0.1 * 15, 10);
  });
});
