/** What tests and benchmarks of other packages use from the server, without reaching into its folders. */
export { createLogger } from './ops/logger.ts';
export { withDatabase } from './storage/database-url.ts';
export { startEmbeddedPostgres } from './storage/embedded-postgres.ts';
export { migrate } from './storage/migrate.ts';
