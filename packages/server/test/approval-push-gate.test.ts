import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The push gate through the API, with the fake agent and the fake forge: a task waits in
 * AWAITING_APPROVAL holding no slot (a cap of one task lets another task run meanwhile), an approval
 * resumes it at its gate and it pushes; a denial ends it FAILED APPROVAL_DENIED with nothing pushed;
 * a second decision is a 409 saying what happened.
 */
let p: TestPlatform;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_MAX_TASKS: '1' });
  for (const [repo, settings] of [
    ['acme/gated', { approvals: { push: true, timeout_s: 3600 } }],
    ['acme/open', {}],
  ] as const) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' }, settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

async function submit(repo: string) {
  const res = await p.request('POST', '/v1/tasks', { body: { repo, task_description: 'Fix the greeting' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.task_id as string;
}

describe('push gate', () => {
  it('waits without a slot, resumes on approval and pushes once', async () => {
    const gated = await submit('acme/gated');
    await p.waitFor(gated, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    const approvals = await p.request('GET', `/v1/tasks/${gated}/approvals`);
    expect(approvals.body.data).toHaveLength(1);
    expect(approvals.body.data[0]).toMatchObject({ gate: 'push', state: 'pending' });
    // The waiting task holds no slot: with a cap of one, another task runs to its end meanwhile.
    const other = await submit('acme/open');
    expect((await p.waitFor(other, (t) => DONE.includes(t.status), 60_000)).status).toBe('COMPLETED');
    expect((await p.request('GET', `/v1/tasks/${gated}`)).body.data.status).toBe('AWAITING_APPROVAL');

    const ok = await p.request('POST', `/v1/tasks/${gated}/approve`, { body: { reason: 'looks fine' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toMatchObject({ state: 'approved', decided_by: 'admin', channel: 'api' });
    const done = await p.waitFor(gated, (t) => DONE.includes(t.status), 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.pr_url).toBeTruthy();
    const events = await p.allEvents(gated);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'approval.decided')[0].data).toMatchObject({
      state: 'approved',
      by: 'admin',
      channel: 'api',
    });
    const again = await p.request('POST', `/v1/tasks/${gated}/deny`, { body: { reason: 'too late' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('APPROVAL_NOT_PENDING');
  });

  it('a denial ends the task FAILED APPROVAL_DENIED with the reason, nothing pushed', async () => {
    const gated = await submit('acme/gated');
    await p.waitFor(gated, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    const no = await p.request('POST', `/v1/tasks/${gated}/deny`, { body: { reason: 'Not this week.' } });
    expect(no.status, JSON.stringify(no.body)).toBe(200);
    const done = await p.waitFor(gated, (t) => DONE.includes(t.status), 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_DENIED');
    expect(done.error.message).toContain('Not this week.');
    const events = await p.allEvents(gated);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(0);
    expect(done.pr_url).toBeNull();
  });
});
