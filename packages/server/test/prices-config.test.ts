import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupPrice } from '@abca/agent';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { PriceFileError, parsePriceFile } from '../src/config/prices.ts';

const dir = mkdtempSync(join(tmpdir(), 'abca-prices-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The problems a configuration stops with. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ABCA_HOME: dir, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return expect.unreachable('the configuration was accepted') as never;
}

describe('the price file (ABCA_PRICES_FILE)', () => {
  it('reads YAML and JSON entries as USD per million tokens, cache prices optional', () => {
    const yaml = file(
      'prices.yaml',
      [
        '"openai-compatible:llama3": { input: 0.2, output: 0.6 }',
        'claude-mystery:',
        '  input: 7',
        '  output: 9',
        '  cache_read: 0.7',
        '  cache_write: 8.75',
      ].join('\n'),
    );
    const config = loadConfig({ ABCA_HOME: dir, ABCA_PRICES_FILE: yaml });
    expect(config.prices).toEqual({
      'openai-compatible:llama3': { input: 0.2, output: 0.6 },
      'claude-mystery': { input: 7, output: 9, cacheRead: 0.7, cacheWrite: 8.75 },
    });
    const json = file('prices.json', '{"gpt-4o": {"input": 1, "output": 2}}');
    expect(loadConfig({ ABCA_HOME: dir, ABCA_PRICES_FILE: json }).prices).toEqual({
      'gpt-4o': { input: 1, output: 2 },
    });
    // And the table prices what it names, over the list price and over the free default.
    const overrides = config.prices;
    expect(lookupPrice('openai-compatible:llama3', { overrides }).price.output).toBe(0.6);
    expect(lookupPrice('anthropic:claude-mystery-2', { overrides }).priced).toBe(true);
    expect(lookupPrice('anthropic:claude-unknown', { overrides }).priced).toBe(false);
  });

  it('no file: no entries (list prices and the free openai-compatible default apply)', () => {
    expect(loadConfig({ ABCA_HOME: dir }).prices).toEqual({});
  });

  it('a bad entry stops the start, naming the file, the entry and the field', () => {
    const bad = file(
      'bad.yaml',
      [
        'llama3: { input: -1, output: 0 }',
        'gpt-x: { input: 1 }',
        'claude-y: { input: 1, output: "cheap" }',
        'qwen: { input: 1, output: 1, ouput: 2 }',
        'mistral: 3',
      ].join('\n'),
    );
    const found = problems({ ABCA_PRICES_FILE: bad });
    expect(found).toHaveLength(5);
    expect(found).toContainEqual(
      `ABCA_PRICES_FILE (${bad}): entry "llama3", field input: must be 0 or more (USD per million tokens)`,
    );
    expect(found).toContainEqual(`ABCA_PRICES_FILE (${bad}): entry "gpt-x", field output: is required`);
    expect(found).toContainEqual(
      `ABCA_PRICES_FILE (${bad}): entry "claude-y", field output: must be a number of USD per million tokens`,
    );
    expect(found.find((p) => p.includes('"qwen"'))).toContain('unknown field ouput');
    expect(found.find((p) => p.includes('"mistral"'))).toContain('must be an object');
  });

  it('a file that cannot be read or parsed, or is not a map, stops the start with what to fix', () => {
    expect(problems({ ABCA_PRICES_FILE: join(dir, 'missing.yaml') })[0]).toMatch(
      /^ABCA_PRICES_FILE: cannot read .*missing\.yaml \(ENOENT\)/,
    );
    expect(problems({ ABCA_PRICES_FILE: file('broken.json', '{"a": ') })[0]).toMatch(
      /^ABCA_PRICES_FILE \(.*broken\.json\) is not valid JSON/,
    );
    expect(problems({ ABCA_PRICES_FILE: file('list.yaml', '- a\n- b\n') })[0]).toContain(
      'must map model names to prices',
    );
  });

  it('parsePriceFile throws PriceFileError (no stack trace reaches the operator)', () => {
    expect(() => parsePriceFile('x: {input: 1, output: 1e9}', 'p.yaml')).toThrow(PriceFileError);
    expect(() => parsePriceFile('x: {input: 1, output: 1e9}', 'p.yaml')).toThrow(
      'entry "x", field output: must be at most 100000',
    );
  });
});

describe('ABCA_DEFAULT_MAX_BUDGET_USD', () => {
  it('is a positive number of dollars', () => {
    expect(loadConfig({ ABCA_HOME: dir, ABCA_DEFAULT_MAX_BUDGET_USD: '2.5' }).defaultMaxBudgetUsd).toBe(2.5);
    expect(loadConfig({ ABCA_HOME: dir }).defaultMaxBudgetUsd).toBeUndefined();
  });

  it('0, negative or not a number stops the start naming the variable', () => {
    for (const value of ['0', '-3']) {
      expect(problems({ ABCA_DEFAULT_MAX_BUDGET_USD: value })).toEqual([
        'ABCA_DEFAULT_MAX_BUDGET_USD must be more than 0 (leave it unset for no default budget)',
      ]);
    }
    expect(problems({ ABCA_DEFAULT_MAX_BUDGET_USD: 'five' })).toEqual([
      'ABCA_DEFAULT_MAX_BUDGET_USD must be a number of US dollars, such as 5',
    ]);
  });
});
