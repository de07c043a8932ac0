import { readFileSync } from 'node:fs';
import type { PriceTable } from '@abca/agent';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const usdPerMillion = () =>
  z
    .number({
      error: (issue) =>
        issue.input === undefined ? 'is required' : `must be a number of USD per million tokens`,
    })
    .min(0, 'must be 0 or more (USD per million tokens)')
    .max(100_000, 'must be at most 100000 (USD per million tokens)');

/**
 * One entry of the operator's price table, in USD per million tokens. `cache_read` and
 * `cache_write` default to `input`. Unknown fields are refused, so a typo (`ouput`) cannot leave a
 * price silently at its default.
 */
export const PriceEntrySchema = z.strictObject({
  input: usdPerMillion(),
  output: usdPerMillion(),
  cache_read: usdPerMillion().optional(),
  cache_write: usdPerMillion().optional(),
});

/**
 * The price file (`ABCA_PRICES_FILE`, JSON or YAML): a map from a model reference
 * (`openai-compatible:llama3`) or a model-id prefix (`claude-sonnet-4`) to its prices. The longest
 * matching key wins; entries win over the built-in list prices and over the free
 * `openai-compatible` default.
 */
export const PriceFileSchema = z.record(
  z.string().trim().min(1, 'a key must name a model (provider:model or a model-id prefix)').max(200),
  PriceEntrySchema,
);

const EXAMPLE =
  '{"openai-compatible:llama3": {"input": 0, "output": 0}, "claude-sonnet-4": {"input": 3, "output": 15}}';

/** What a bad price file is: one line per problem, naming the entry and the field. */
export class PriceFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'PriceFileError';
  }
}

/** Parses and validates a price file's text; throws {@link PriceFileError} naming each bad entry and field. */
export function parsePriceFile(text: string, path: string): PriceTable {
  const where = `ABCA_PRICES_FILE (${path})`;
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PriceFileError([
      `${where} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    ]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PriceFileError([`${where} must map model names to prices, for example ${EXAMPLE}`]);
  }
  const parsed = PriceFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PriceFileError(
      parsed.error.issues.map((issue) => {
        const [entry, field, ...rest] = issue.path.map(String);
        if (entry === undefined) return `${where}: ${issue.message}`;
        if (issue.code === 'unrecognized_keys') {
          const keys = (issue as { keys: string[] }).keys.join(', ');
          return `${where}: entry "${entry}": unknown field ${keys} (allowed: input, output, cache_read, cache_write)`;
        }
        if (field === undefined) {
          const message =
            issue.code === 'invalid_type'
              ? `must be an object such as {"input": 3, "output": 15}`
              : issue.message;
          return `${where}: entry "${entry}": ${message}`;
        }
        const fieldPath = [field, ...rest].join('.');
        return `${where}: entry "${entry}", field ${fieldPath}: ${issue.message}`;
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(parsed.data).map(([key, e]) => [
      key.trim(),
      {
        input: e.input,
        output: e.output,
        ...(e.cache_read !== undefined ? { cacheRead: e.cache_read } : {}),
        ...(e.cache_write !== undefined ? { cacheWrite: e.cache_write } : {}),
      },
    ]),
  );
}

/** Reads the price file at `path` (unset: no entries). */
export function readPriceFile(path: string | undefined): PriceTable {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PriceFileError([
      `ABCA_PRICES_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); point it at a JSON or YAML price file`,
    ]);
  }
  return parsePriceFile(text, path);
}
