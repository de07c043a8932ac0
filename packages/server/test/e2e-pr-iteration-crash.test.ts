import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChangeRequestComments } from '../src/store/change-requests.ts';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import type { TestPlatform } from './support/platform.ts';
import {
  branchHead,
  finished,
  git,
  openPrWithTask,
  reviewWithTwoComments,
  submitIteration,
} from './support/pr-iteration-world.ts';

/**
 * An iteration's worker SIGKILLed twice: while its push is on the remote (the remote's hook still
 * running), and between its replies to the review threads. After recovery the branch has exactly
 * one new commit and each thread exactly one reply.
 */
let world: CrashWorld;
let model: ScriptedModelServer;
let api: TestPlatform;
let remote: string;

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened\n${world.workerLog()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  world = await startCrashWorld();
  ({ model, api } = world);
  remote = makeRemote(GREET_OK);
  // This file submits its PR tasks by hand: the PR watcher, which would start its own, is off.
  await api.request('POST', '/v1/repos', {
    body: { repo: 'crashy', forge: { kind: 'git', url: remote }, settings: { pr_watch: false } },
  });
}, 120_000);
afterAll(async () => {
  await api?.platform.db.query('DROP TRIGGER IF EXISTS abca_test_slow_reply ON change_request_comments');
  await world?.close();
});

describe('SIGKILL during an iteration', () => {
  it('during the push and during the replies: one new commit, one reply per thread', async () => {
    const origin = await openPrWithTask(api, model, 'crashy');
    const number = origin.outcome.pr.number as number;
    const branch = origin.branch_name as string;
    const before = branchHead(remote, branch) as string;
    await reviewWithTwoComments(api.platform.db, number);

    // The remote answers slowly after taking a push: the first kill lands in that window.
    const hook = join(remote, 'hooks', 'post-receive');
    writeFileSync(hook, '#!/bin/sh\nsleep 4\n');
    chmodSync(hook, 0o755);
    // The task's second reply is slow to store: the second kill lands between the two replies.
    await api.platform.db.query(`
      CREATE OR REPLACE FUNCTION abca_test_slow_reply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.in_reply_to IS NOT NULL AND NEW.task_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM change_request_comments c
          WHERE c.task_id = NEW.task_id AND c.in_reply_to IS NOT NULL) THEN
          PERFORM pg_sleep(4);
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER abca_test_slow_reply BEFORE INSERT ON change_request_comments
        FOR EACH ROW EXECUTE FUNCTION abca_test_slow_reply();`);

    model.script(
      reply().tool('bash', {
        command: "sed -i 's/Hi, /HI, /' greet.js greet.test.js && git commit -qam 'Address the review'",
      }),
      reply().text('T1: Capitals now.\nT2: The test follows.'),
    );
    const id = await submitIteration(api, 'crashy', number);

    await until('the push', () => branchHead(remote, branch) !== before);
    await world.crashWorker();

    const replies = async () =>
      (await listChangeRequestComments(api.platform.db, number)).filter((c) => c.inReplyTo !== null);
    await until('the first reply', async () => (await replies()).length >= 1);
    await world.crashWorker();
    await api.platform.db.query('DROP TRIGGER abca_test_slow_reply ON change_request_comments');

    const done = await finished(api, id, 120_000);
    expect(done.status, `${JSON.stringify(done.error)}\n${world.workerLog()}`).toBe('COMPLETED');

    const after = branchHead(remote, branch) as string;
    expect(git(remote, 'rev-list', '--count', `${before}..${after}`)).toBe('1');
    const comments = await listChangeRequestComments(api.platform.db, number);
    const roots = comments.filter((c) => c.path !== null && c.inReplyTo === null);
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      expect(comments.filter((c) => c.inReplyTo === root.id)).toHaveLength(1);
      expect(root.resolved).toBe(true);
    }
    const rows = await api.platform.db.query('SELECT count(*)::int AS n FROM change_requests');
    expect(rows.rows[0].n).toBe(1);

    const events = await api.allEvents(id);
    expect(
      events.filter((e) => e.type === 'step.started' && e.data.step === 'finalization').length,
    ).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'pr.thread_replied')).toHaveLength(2);
  }, 300_000);
});
