/**
 * Runs the platform as its own process for crash and scale-out tests: `worker`, `serve`, or `api`
 * (serve without running workflows).
 * Prints one JSON line `{"ready":true,"executorId":...}` when started; SIGTERM stops it cleanly.
 */
import { startPlatform } from '../../src/main.ts';
import { createLogger } from '../../src/ops/logger.ts';

const arg = process.argv[2];
const mode = arg === 'serve' || arg === 'api' ? 'serve' : 'worker';
const platform = await startPlatform({
  mode,
  ...(arg === 'api' ? { apiOnly: true } : {}),
  env: process.env,
  log: createLogger({ level: process.env.ABCA_TEST_LOG ?? 'warn', stream: process.stderr }),
});
process.stdout.write(
  `${JSON.stringify({ ready: true, executorId: platform.executorId, url: platform.url })}\n`,
);
const stop = async () => {
  await platform.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
