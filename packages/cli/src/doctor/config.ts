import { loadServerConfig } from '../server-module.ts';
import type { Check } from './check.ts';

/** The platform's own configuration, validated exactly as `abca serve` does. */
export const checkConfig: Check = async ({ env }) => {
  const { ConfigError, loadConfig } = await loadServerConfig();
  try {
    const config = loadConfig(env);
    return {
      name: 'configuration',
      status: 'ok',
      detail: `state folder ${config.home}, port ${config.port} on ${config.host}, ${config.databaseUrl ? 'DATABASE_URL' : 'embedded PostgreSQL'}, caps ${config.caps.perUser}/user ${config.caps.perRepo}/repo ${config.caps.global} total`,
    };
  } catch (err) {
    if (err instanceof ConfigError) {
      return {
        name: 'configuration',
        status: 'fail',
        detail: err.problems.join('; '),
        fix: 'correct or unset the variables named above',
      };
    }
    throw err;
  }
};
