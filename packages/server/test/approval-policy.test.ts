import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * A repo's approval policy is checked at onboarding (POST and PATCH /v1/repos): each bad field is
 * named in the 400's details and nothing is stored. Then the timeout: a tool call held past the
 * policy's `timeout_s` is denied by the reconciler in the timeout's name and the task ends FAILED
 * APPROVAL_TIMEOUT (the fake agent's `npm test` matches the command rule); a plan and a push held
 * past it end the same way, nothing pushed.
 */
let p: TestPlatform;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  p = await startTestPlatform();
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

const add = (repo: string, approvals: unknown) =>
  p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' }, settings: { approvals } } });

describe('approval policy at onboarding', () => {
  it.each([
    [
      { tools: { commands: ['^git push', '(unclosed'] } },
      'settings.approvals.tools.commands.1',
      'valid regular expression',
    ],
    [{ tools: { commands: ['(\\w+\\s?)+$'] } }, 'settings.approvals.tools.commands.0', 'exponential'],
    [{ tools: { paths: ['../etc'] } }, 'settings.approvals.tools.paths.0', 'repo-relative'],
    [{ tools: { hosts: ['http://x.example.com'] } }, 'settings.approvals.tools.hosts.0', 'host name'],
    [{ timeout_s: 5 }, 'settings.approvals.timeout_s', '10'],
    [{ timeout_s: 1e9 }, 'settings.approvals.timeout_s', ''],
    [{ plan: 'yes' }, 'settings.approvals.plan', 'boolean'],
    [{ tools: { command: ['x'] } }, 'settings.approvals.tools.command', 'unknown field'],
    [{ push: true, approve_all: true }, 'settings.approvals.approve_all', 'unknown field'],
  ])('refuses %j naming %s', async (approvals, field, words) => {
    const res = await add(`acme/bad-${Math.random().toString(36).slice(2, 8)}`, approvals);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details).toEqual([{ field, message: expect.stringContaining(words) }]);
    expect(res.body.error.message).toContain(field);
  });

  it('PATCH refuses a bad policy and keeps the one the repo had', async () => {
    expect((await add('acme/kept', { push: true })).status).toBe(201);
    const res = await p.request('PATCH', '/v1/repos/acme/kept', {
      body: { settings: { approvals: { tools: { commands: ['(a+)+'] } } } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details[0].field).toBe('settings.approvals.tools.commands.0');
    const repo = await p.request('GET', '/v1/repos/acme/kept');
    expect(repo.body.data.settings.approvals).toEqual({ push: true });
  });
});

describe('approval timeout', () => {
  it('a held tool call nobody decides ends the task FAILED APPROVAL_TIMEOUT, decided by the timeout', async () => {
    const created = await add('acme/slow-deciders', { tools: { commands: ['^npm test$'] }, timeout_s: 10 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/slow-deciders', task_description: 'Run the tests' },
    });
    const id = res.body.data.task_id as string;
    await p.waitFor(id, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_TIMEOUT');
    expect(done.pr_url).toBeNull();
    const [approval] = (await p.request('GET', `/v1/tasks/${id}/approvals`)).body.data;
    expect(approval).toMatchObject({
      gate: 'tool',
      state: 'expired',
      decided_by: 'timeout',
      channel: 'timeout',
      request: { tool: 'bash', rule: 'command matches ^npm test$' },
    });
    const events = await p.allEvents(id);
    expect(events.filter((e) => e.type === 'approval.decided').map((e) => e.data)).toEqual([
      expect.objectContaining({ state: 'expired', by: 'timeout', channel: 'timeout' }),
    ]);
    // The held command never ran: no result of it in the task's log.
    expect(events.filter((e) => e.type === 'agent.tool_call')).toHaveLength(0);
    const late = await p.request('POST', `/v1/tasks/${id}/approve`, { body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('APPROVAL_NOT_PENDING');
  }, 90_000);

  it('a plan and a push nobody decides end FAILED APPROVAL_TIMEOUT too, with nothing pushed', async () => {
    const gates = [
      ['acme/slow-plan', { plan: true, timeout_s: 10 }, 'plan'],
      ['acme/slow-push', { push: true, timeout_s: 10 }, 'push'],
    ] as const;
    const ids: string[] = [];
    for (const [repo, approvals] of gates) {
      expect((await add(repo, approvals)).status).toBe(201);
      const res = await p.request('POST', '/v1/tasks', { body: { repo, task_description: 'Tidy up' } });
      ids.push(res.body.data.task_id as string);
    }
    // Both wait at once (the timeouts run side by side), then both end by the timeout.
    for (const [i, [, , gate]] of gates.entries()) {
      const id = ids[i] as string;
      const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
      expect(done.status, gate).toBe('FAILED');
      expect(done.error.code, gate).toBe('APPROVAL_TIMEOUT');
      expect(done.pr_url, gate).toBeNull();
      const [approval] = (await p.request('GET', `/v1/tasks/${id}/approvals`)).body.data;
      expect(approval, gate).toMatchObject({ gate, state: 'expired', decided_by: 'timeout' });
      const events = await p.allEvents(id);
      expect(
        events.filter((e) => e.type === 'finalization.pushed'),
        gate,
      ).toHaveLength(0);
    }
  }, 90_000);
});
