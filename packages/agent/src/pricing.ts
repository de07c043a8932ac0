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
  /** The operator's entries, merged over {@link DEFAULT_PRICES} (same key replaces). */
  overrides?: PriceTable;
  /**
   * Providers whose models cost nothing unless an override names them: servers the operator runs
   * (Ollama, vLLM, the scripted model). Default {@link FREE_PROVIDERS}. List prices never apply to
   * them: a local `llama3` is not billed as anyone's API.
   */
  freeProviders?: readonly string[];
}

/** Providers priced at 0 unless the operator configures a price: `openai-compatible`. */
export const FREE_PROVIDERS: readonly string[] = ['openai-compatible'];

/** What costs nothing. */
export const ZERO_PRICE: ModelPrice = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/**
 * How a model is priced: from a table entry (`key`), free (a provider the operator runs), or
 * unpriced — no entry, so its cost is unknown and reported as 0 with `priced: false`, never guessed.
 */
export type PriceLookup =
  | { priced: true; price: ModelPrice; source: 'table'; key: string }
  | { priced: true; price: ModelPrice; source: 'free' }
  | { priced: false; price: ModelPrice; source: 'unpriced' };

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

function longestMatch(
  table: PriceTable,
  candidates: string[],
): { key: string; price: ModelPrice } | undefined {
  let best: { key: string; price: ModelPrice } | undefined;
  for (const [key, price] of Object.entries(table)) {
    if (!candidates.some((candidate) => candidate.startsWith(key))) continue;
    if (!best || key.length > best.key.length) best = { key, price };
  }
  return best;
}

/**
 * How `modelRef` (`provider:model`) is priced: the operator's longest matching key (full ref or
 * bare model id) first; then, for a free provider, 0; then the list prices; else unpriced.
 */
export function lookupPrice(modelRef: string, options: PricingOptions = {}): PriceLookup {
  const candidates = [modelRef, bareModelId(modelRef)];
  const provider = modelRef.includes(':') ? modelRef.slice(0, modelRef.indexOf(':')) : '';
  const free = (options.freeProviders ?? FREE_PROVIDERS).includes(provider);
  const own = longestMatch(options.overrides ?? {}, candidates);
  const listed = free ? undefined : longestMatch(DEFAULT_PRICES, candidates);
  // The longest key wins across both tables; the operator's wins a tie.
  const best = own && (!listed || own.key.length >= listed.key.length) ? own : listed;
  if (best) return { priced: true, price: best.price, source: 'table', key: best.key };
  if (free) return { priced: true, price: ZERO_PRICE, source: 'free' };
  return { priced: false, price: ZERO_PRICE, source: 'unpriced' };
}

/** The price of `modelRef`: see {@link lookupPrice}; an unpriced model counts 0 (and is reported so). */
export function priceFor(modelRef: string, options: PricingOptions = {}): ModelPrice {
  return lookupPrice(modelRef, options).price;
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
