import { describe, expect, it } from 'vitest';
import { effectiveSettings, parseRepoConfigFile } from './repo-config.ts';

describe('repo config file', () => {
  it('keeps valid suggestions and drops the rest with warnings', () => {
    const r = parseRepoConfigFile(
      'test_command: npm test\nmax_turns: 900\nsecret: x\nnetwork_allowlist: [registry.npmjs.org]\n',
    );
    expect(r.settings).toEqual({ test_command: 'npm test', network_allowlist: ['registry.npmjs.org'] });
    expect(r.warnings.join('\n')).toMatch(/max_turns/);
    expect(r.warnings.join('\n')).toMatch(/secret is not a setting/);
  });

  it('ignores a model in the file with a warning that the operator chooses it', () => {
    const r = parseRepoConfigFile('model: anthropic:claude-sonnet-4-5\ntest_command: npm test\n');
    expect(r.settings).toEqual({ test_command: 'npm test' });
    expect(r.warnings).toEqual([
      '.abca/config.yaml: model is ignored: the operator chooses the model and its provider (`abca repos update <repo> --model provider:model`)',
    ]);
    // Even a malformed model is refused for what it is, not for its form.
    expect(parseRepoConfigFile('model: 42\n').warnings[0]).toMatch(/operator chooses the model/);
  });

  it('survives garbage', () => {
    expect(parseRepoConfigFile('{{{').warnings[0]).toMatch(/not valid YAML/);
    expect(parseRepoConfigFile('- a\n- b').warnings[0]).toMatch(/not a mapping/);
    expect(parseRepoConfigFile(undefined)).toEqual({ settings: {}, warnings: [] });
  });
});

describe('effective settings', () => {
  const defaults = { allowlist: ['registry.npmjs.org', 'pypi.org'] };
  it('lets the operator win and the repo fill gaps', () => {
    const s = effectiveSettings(
      { test_command: 'make test' },
      { test_command: 'npm test', lint_command: 'npm run lint' },
      defaults,
    );
    expect(s).toMatchObject({ test_command: 'make test', lint_command: 'npm run lint' });
  });

  it('never takes the model from the repo, even when the caller passes one', () => {
    const fromFile = { test_command: 'npm test', model: 'anthropic:claude-sonnet-4-5' };
    expect(effectiveSettings({}, fromFile, defaults).model).toBeUndefined();
    expect(effectiveSettings({ model: 'openai-compatible:local' }, fromFile, defaults).model).toBe(
      'openai-compatible:local',
    );
  });

  it('only narrows budgets, turns and the network allowlist', () => {
    const s = effectiveSettings(
      { max_turns: 50, max_budget_usd: 5, network_allowlist: ['registry.npmjs.org'] },
      { max_turns: 400, max_budget_usd: 2, network_allowlist: ['registry.npmjs.org', 'evil.example.com'] },
      defaults,
    );
    expect(s).toMatchObject({ max_turns: 50, max_budget_usd: 2, network_allowlist: ['registry.npmjs.org'] });
    expect(
      effectiveSettings({}, { network_allowlist: ['evil.example.com'] }, defaults).network_allowlist,
    ).toEqual([]);
    expect(effectiveSettings({}, {}, defaults).network_allowlist).toEqual(defaults.allowlist);
  });
});
