import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/sequencer.ts';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Every event a platform writes in a test is checked against the contract schemas. With
    // ABCA_TEST_CPU=<folder>, what each file costs in CPU is recorded (test/cpu/; first, so its
    // afterAll runs after every other).
    setupFiles: ['test/cpu/file-setup.ts', 'test/event-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A worker process runs its files one after another without reloading the modules: each file
    // then pays for its own platform, not for importing the server again (about 1.5 s of CPU a
    // file; the suite: 10.8 -> 9.0 CPU-minutes). Files start and stop their platforms in
    // beforeAll/afterAll and set no global state of their own; a process runs one orchestrator at
    // a time (orchestrator/workflow.ts registers the workflow once per process).
    isolate: false,
    // Integration suites spend much of their time waiting on processes they started (servers,
    // sandboxes, git): three files at a time keep two cores busy (four: more CPU, no faster).
    maxWorkers: 3,
    // The longest files first, also on a fresh clone without vitest's cache (test/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
  },
});
