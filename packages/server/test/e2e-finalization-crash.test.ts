import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import type { TestPlatform } from './support/platform.ts';

/**
 * A worker killed with SIGKILL during finalization — after its push reached the remote, before
 * the step's checkpoint — resumes, and the forge shows exactly one PR for the task.
 */
let world: CrashWorld;
let model: ScriptedModelServer;
let api: TestPlatform;
let remote: string;

beforeAll(async () => {
  world = await startCrashWorld();
  ({ model, api } = world);
  remote = makeRemote(GREET_OK);
  // The remote answers slowly after accepting the push: the kill lands in that window.
  const hook = join(remote, 'hooks', 'post-receive');
  writeFileSync(hook, '#!/bin/sh\nsleep 4\n');
  chmodSync(hook, 0o755);
  await api.request('POST', '/v1/repos', { body: { repo: 'slow', forge: { kind: 'git', url: remote } } });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe('SIGKILL during finalization', () => {
  it('resumes and leaves exactly one PR', async () => {
    model.script(
      reply().tool('bash', {
        command: 'echo more >> NOTES.md && git add NOTES.md && git commit -qm "Add notes"',
      }),
      reply().text('Added notes.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'slow', task_description: 'Add notes' },
    });
    const task = created.body.data;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const refs = execFileSync('git', ['-C', remote, 'for-each-ref', '--format=%(refname)'], {
        encoding: 'utf8',
      });
      if (refs.includes(task.branch_name)) break;
      if (Date.now() > deadline) throw new Error('the push never reached the remote');
      await new Promise((r) => setTimeout(r, 20));
    }
    await world.crashWorker();

    const done = await api.waitFor(
      task.task_id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      90_000,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const prs = (await api.request('GET', `/v1/prs?task_id=${task.task_id}`)).body.data;
    expect(prs).toHaveLength(1);
    const rows = await api.platform.db.query(
      'SELECT count(*)::int AS n FROM change_requests WHERE branch = $1',
      [task.branch_name],
    );
    expect(rows.rows[0].n).toBe(1);
    const events = (await api.request('GET', `/v1/tasks/${task.task_id}/events?limit=100`)).body
      .data as any[];
    expect(
      events.filter((e) => e.type === 'step.started' && e.data.step === 'finalization').length,
    ).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.type === 'finalization.pr_opened')).toHaveLength(1);
  }, 180_000);
});
