import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const base = { ABCA_HOME: '/tmp/abca-pr-loop-config' };

describe('the PR watcher settings', () => {
  it('default to a 60 s poll, 3 iterations, $5 and the abca:stop label', () => {
    expect(loadConfig(base).prLoop).toEqual({
      pollS: 60,
      pollMaxS: 1800,
      maxIterations: 3,
      maxSpendUsd: 5,
      stopLabel: 'abca:stop',
    });
  });

  it('are read from the environment', () => {
    const c = loadConfig({
      ...base,
      ABCA_PR_POLL_S: '5',
      ABCA_PR_POLL_MAX_S: '600',
      ABCA_PR_MAX_ITERATIONS: '0',
      ABCA_PR_MAX_SPEND_USD: '12.5',
      ABCA_PR_STOP_LABEL: 'hands-off',
    });
    expect(c.prLoop).toEqual({
      pollS: 5,
      pollMaxS: 600,
      maxIterations: 0,
      maxSpendUsd: 12.5,
      stopLabel: 'hands-off',
    });
  });

  it('refuse bad values, naming each variable', () => {
    let err: unknown;
    try {
      loadConfig({
        ...base,
        ABCA_PR_POLL_S: '0',
        ABCA_PR_POLL_MAX_S: 'never',
        ABCA_PR_MAX_ITERATIONS: 'lots',
        ABCA_PR_MAX_SPEND_USD: '-1',
        ABCA_PR_STOP_LABEL: 'a,b',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of [
      'ABCA_PR_POLL_S',
      'ABCA_PR_POLL_MAX_S',
      'ABCA_PR_MAX_ITERATIONS',
      'ABCA_PR_MAX_SPEND_USD',
      'ABCA_PR_STOP_LABEL',
    ])
      expect(problems).toContain(name);
  });
});
