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
    // Integration suites spend much of their time waiting on processes they started (servers,
    // sandboxes, git): three files at a time keep two cores busy (measured: 5:58 with three, 5:57 with four).
    maxWorkers: 3,
  },
});
