import { describe, expect, it } from 'vitest';
import { startTestPlatform } from './support/platform.ts';

/**
 * A process that stops its platform and starts another (a restart in place; the test suite's
 * workers, which run file after file in one process) runs tasks on the new one: DBOS registers the
 * task workflow once per process, and it runs with the newest orchestrator.
 */
describe('a platform restarted in the same process', () => {
  it('runs a task to the end after the first one stopped', async () => {
    const first = await startTestPlatform({ ABCA_FAKE_DELAY_MS: '0' });
    await first.platform.stop();
    const second = await startTestPlatform({ ABCA_FAKE_DELAY_MS: '0' });
    try {
      expect(
        (await second.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } }))
          .status,
      ).toBe(201);
      const created = await second.request('POST', '/v1/tasks', {
        body: { repo: 'acme/app', task_description: 'after a restart in place' },
      });
      expect(created.status).toBe(201);
      const done = await second.waitFor(created.body.data.task_id, (t) => t.status === 'COMPLETED');
      expect(done.status).toBe('COMPLETED');
    } finally {
      await second.platform.stop();
    }
  });
});
