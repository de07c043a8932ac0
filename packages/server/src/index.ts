export { CONFIG_ENV_NAMES, type Config, ConfigError, loadConfig } from './config/config.ts';
export { type Platform, type PlatformOptions, type PlatformStopOptions, startPlatform } from './main.ts';
export { StateFolderInUseError } from './ops/server-file.ts';
export { EmbeddedPostgresError, startEmbeddedPostgres } from './storage/embedded-postgres.ts';
