import { describe, expect, it } from 'vitest';
import { computeCost, DEFAULT_PRICE, priceFor } from './pricing.ts';

describe('pricing', () => {
  it('matches the longest prefix across providers and Bedrock ids', () => {
    expect(priceFor('anthropic:claude-opus-4-5-20251101').input).toBe(5);
    expect(priceFor('anthropic:claude-opus-4-1-20250805').input).toBe(15);
    expect(priceFor('bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0').output).toBe(15);
    expect(priceFor('openai:gpt-4o-mini').input).toBe(0.15);
    expect(priceFor('openai:gpt-4o-2024-08-06').input).toBe(2.5);
  });

  it('falls back to the default, and overrides win', () => {
    expect(priceFor('openai-compatible:llama3')).toEqual(DEFAULT_PRICE);
    expect(
      priceFor('openai-compatible:llama3', { overrides: { 'openai-compatible:': { input: 0, output: 0 } } }),
    ).toEqual({
      input: 0,
      output: 0,
    });
    expect(priceFor('openai:gpt-4o', { overrides: { 'gpt-4o': { input: 1, output: 2 } } }).input).toBe(1);
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
