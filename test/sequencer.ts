import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (wall time of each file in a whole run of 236 files, 2026-12-02
 * evening: docs/benchmarks.md "The test suite"), longest first. vitest orders files by the durations it cached from earlier
 * runs, which a fresh clone (CI) does not have: there a two-minute file could start last and run
 * alone at the end. These start first, in this order; every other file follows in vitest's own order.
 */
const LONGEST_FIRST = [
  'packages/server/test/abuse-git.test.ts',
  'packages/server/test/crash-recovery.test.ts',
  'packages/server/test/graceful-stop.test.ts',
  'packages/cli/test/cli-repos-prs.test.ts',
  'packages/server/test/approval-policy.test.ts',
  'packages/server/test/scale-out.test.ts',
  'packages/server/test/env-cache-e2e.test.ts',
  'packages/server/test/env-cache-npm.test.ts',
  'packages/server/test/pr-watcher-e2e.test.ts',
  'packages/cli/test/cli-reconnect.test.ts',
  'packages/server/test/e2e-pr-loop-github.test.ts',
  'packages/server/test/api-fuzz.test.ts',
  'packages/server/test/github-forge.test.ts',
  'packages/server/test/dashboard-browser-flows.test.ts',
  'packages/server/test/api.test.ts',
  'packages/server/test/e2e-pr-iteration.test.ts',
  'packages/server/test/agent-e2e.test.ts',
  'packages/cli/test/cli-memory.test.ts',
  'packages/server/test/state-folder.test.ts',
  'packages/server/test/channel-outbox-processes.test.ts',
];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
