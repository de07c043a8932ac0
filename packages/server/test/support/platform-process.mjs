/**
 * Runs the platform as its own process for crash and scale-out tests: `worker`, `serve`, or `api`
 * (serve without running workflows), from the compiled server (packages/cli/dist/server, kept fresh
 * by test/global-setup.ts), so each start costs a fraction of compiling the sources.
 * Prints one JSON line `{"ready":true,"executorId":...}` when started; SIGTERM stops it cleanly.
 */
const dist = new URL('../../../cli/dist/server/', import.meta.url);
const { startPlatform } = await import(new URL('index.js', dist).href);
const { createLogger } = await import(new URL('testing.js', dist).href);

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
