import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Every event a platform writes in a test is checked against the contract schemas.
    setupFiles: ['test/event-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites start PostgreSQL servers and sandboxes; two cores do not gain from more.
    maxWorkers: 2,
  },
});
