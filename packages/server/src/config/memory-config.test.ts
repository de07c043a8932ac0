import { ServerConfigInfo } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { effectiveConfig } from './effective-config.ts';

const base = { ABCA_HOME: '/tmp/abca-memory-config' };
const facts = { url: undefined, pid: 1, embeddedDataDir: undefined, sandbox: { ok: true } };
const view = (env: Record<string, string>) =>
  ServerConfigInfo.parse(effectiveConfig(loadConfig(env), facts)).memory;

describe('the memory settings in the admin configuration view', () => {
  it('show the defaults: 8000 characters, 90 days, the task model, learning on', () => {
    expect(view({ ...base, ABCA_MODEL: 'anthropic:claude-sonnet-4-5' })).toEqual({
      budget_chars: 8000,
      fade_days: 90,
      model: 'anthropic:claude-sonnet-4-5',
      learning: true,
    });
    expect(view(base)?.model).toBeNull();
  });

  it('show what the environment set', () => {
    expect(
      view({
        ...base,
        ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
        ABCA_MEMORY_BUDGET_CHARS: '0',
        ABCA_MEMORY_FADE_DAYS: '30',
        ABCA_MEMORY_MODEL: 'openai:gpt-4.1-mini',
        ABCA_MEMORY_LEARNING: 'off',
      }),
    ).toEqual({ budget_chars: 0, fade_days: 30, model: 'openai:gpt-4.1-mini', learning: false });
  });

  it('refuse a bad value naming the variable', () => {
    for (const [name, value] of [
      ['ABCA_MEMORY_FADE_DAYS', '0'],
      ['ABCA_MEMORY_BUDGET_CHARS', 'lots'],
      ['ABCA_MEMORY_LEARNING', 'maybe'],
      ['ABCA_MEMORY_MODEL', 'no-provider'],
    ] as const) {
      expect(() => loadConfig({ ...base, [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name]: value }), name).toThrow(name);
    }
  });
});
