/**
 * Prices in USD per million tokens. `cacheRead`/`cacheWrite` default to `input` when absent.
 * Values are list prices at the time of writing; operators override them (see {@link PricingOptions}).
 */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/**
 * Keys are model-id prefixes (`claude-sonnet-4`) or full references (`openai:gpt-4o`); the longest
 * matching key wins, so `claude-opus-4-5` beats `claude-opus-4`.
 */
export type PriceTable = Record<string, ModelPrice>;

/** How a run prices its tokens. */
export interface PricingOptions {
  /** Entries merged over {@link DEFAULT_PRICES} (same key replaces). */
  overrides?: PriceTable;
  /** Price for a model no key matches; {@link DEFAULT_PRICE} when absent. */
  fallback?: ModelPrice;
}

/**
 * Used for a model that matches nothing: a mid-range frontier price, so that budgets stop a run
 * early rather than late when a model is unknown. Local models should be priced 0 by an override.
 */
export const DEFAULT_PRICE: ModelPrice = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

/** Known list prices (USD per million tokens). */
export const DEFAULT_PRICES: PriceTable = {
  'claude-opus-4-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-3-opus': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-3-7-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-3-5-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  'gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cacheRead: 0.025 },
  'gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cacheRead: 0.275 },
};

/** Token counts of one call or a sum of calls. `inputTokens` includes cached reads and writes. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Strips the provider, a Bedrock cross-region prefix (`us.`, `eu.`, `global.`) and vendor (`anthropic.`). */
function bareModelId(modelRef: string): string {
  const colon = modelRef.indexOf(':');
  const id = colon === -1 ? modelRef : modelRef.slice(colon + 1);
  return id.replace(/^(us|eu|apac|global|us-gov)\./, '').replace(/^[a-z]+\./, '');
}

/** The price of `modelRef` (`provider:model`): longest matching key of full ref or bare model id. */
export function priceFor(modelRef: string, options: PricingOptions = {}): ModelPrice {
  const table: PriceTable = { ...DEFAULT_PRICES, ...options.overrides };
  const candidates = [modelRef, bareModelId(modelRef)];
  let best: { key: string; price: ModelPrice } | undefined;
  for (const [key, price] of Object.entries(table)) {
    if (!candidates.some((candidate) => candidate.startsWith(key))) continue;
    if (!best || key.length > best.key.length) best = { key, price };
  }
  return best?.price ?? options.fallback ?? DEFAULT_PRICE;
}

/** Cost in USD of `tokens` at `price`. Cached tokens are taken out of the plain input count. */
export function computeCost(tokens: TokenCounts, price: ModelPrice): number {
  const plainInput = Math.max(0, tokens.inputTokens - tokens.cacheReadTokens - tokens.cacheWriteTokens);
  const usd =
    plainInput * price.input +
    tokens.cacheReadTokens * (price.cacheRead ?? price.input) +
    tokens.cacheWriteTokens * (price.cacheWrite ?? price.input) +
    tokens.outputTokens * price.output;
  return usd / 1_000_000;
}
