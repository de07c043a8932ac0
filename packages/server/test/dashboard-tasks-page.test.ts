import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardClient, type SseEvent, signInDashboard } from './support/dashboard-client.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * A task's page on the whole platform (fake agent; a plain-git repo for a real diff; the fake forge
 * with a push gate): steps, trajectory, validation, diff and PR link; the live stream (rows, patches,
 * end, resume by Last-Event-ID); the actions (nudge, cancel, approve, deny) through the same
 * functions as the API, with refusals shown on the page; another member's task is a 404 everywhere.
 */
let p: TestPlatform;
let rita: DashboardClient;
let sam: DashboardClient;
let ritaKey: string;
const DONE = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_MAX_TASKS: '4' });
  const repos = [
    ['acme/plain', { kind: 'git', url: makeRemote(GREET_OK) }, {}],
    ['acme/app', { kind: 'fake' }, {}],
    ['acme/gated', { kind: 'fake' }, { approvals: { push: true, timeout_s: 3600 } }],
  ] as const;
  for (const [repo, forge, settings] of repos) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge, settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  ritaKey = await p.userKey('rita');
  [rita, sam] = await Promise.all([
    signInDashboard(p.url, ritaKey),
    signInDashboard(p.url, await p.userKey('sam')),
  ]);
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

async function submit(repo: string, text: string) {
  const res = await p.request('POST', '/v1/tasks', { key: ritaKey, body: { repo, task_description: text } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.task_id as string;
}

const rows = (events: SseEvent[]) => events.filter((e) => e.event === 'row');
const patches = (events: { event: string; data: string }[]) =>
  events.filter((e) => e.event === 'patch').map((e) => JSON.parse(e.data) as Record<string, string>);

describe('a finished task’s page', () => {
  let id: string;
  beforeAll(async () => {
    id = await submit('acme/plain', 'Change the greeting');
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 90_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  }, 120_000);

  it('shows the steps, the trajectory, the validation, the diff and the PR link', async () => {
    const page = await rita.get(`/tasks/${id}`);
    expect(page.status).toBe(200);
    const t = page.text;
    expect(t).toContain('id="task-status">COMPLETED</dd>');
    expect(t).toMatch(/id="task-cost">\$0\.\d{4}<\/dd>/);
    expect(t).toMatch(/id="task-tokens">2,000 in \/ 400 out<\/dd>/);
    for (const step of ['admission', 'hydration', 'pre-flight', 'agent-execution', 'finalization']) {
      expect(t).toMatch(
        new RegExp(
          `<tr data-step="${step}"><td>${step}</td><td>\\d+</td>.*?<td class="outcome o-succeeded">succeeded`,
        ),
      );
    }
    expect(t).toContain(`<ol id="trajectory" class="trajectory" data-live="/tasks/${id}/live"`);
    expect(t).toContain('<pre class="ev-text">Turn 1: running the tests.</pre>');
    expect(t).toContain('tests passed\n[exit code: 0]');
    expect(t).toContain('<span class="ev-label">Model call</span> <code>fake:agent</code>');
    expect(t).toContain('<div id="validation">');
    expect(t).toContain(
      '<span class="dl d-add"><span class="dm">+</span>ABCA fake agent change <span class="t-kw">for</span> task',
    );
    expect(t).toContain(
      '<span class="dl d-file">diff --git a/ABCA_FAKE_CHANGE.md b/ABCA_FAKE_CHANGE.md</span>',
    );
    // A plain-git change request is kept by ABCA: the link goes to its diff on this page.
    expect(t).toMatch(/<a id="pr-link" href="#diff">change request #\d+<\/a>/);
    // A finished task offers no actions.
    expect(t).not.toContain('action-cancel');
    const raw = await rita.get(`/tasks/${id}/diff`);
    expect(raw.status).toBe(200);
    expect(raw.text).toContain('+ABCA fake agent change for task');
  });

  it('its live stream sends every event as a row with its sequence, patches, then ends; a reconnect resumes', async () => {
    const events = await p.allEvents(id);
    const res = await rita.stream(`/tasks/${id}/live`, () => false);
    expect(res.status).toBe(200);
    expect(res.ended).toBe(true);
    const got = rows(res.events);
    expect(got.map((e) => Number(e.id))).toEqual(events.map((e) => e.seq));
    expect(got[0]?.data).toMatch(/^<li class="ev ev-status" id="ev-1" data-seq="1">/);
    expect(patches(res.events).at(-1)?.['task-status']).toBe('COMPLETED');
    expect(res.events.at(-1)?.event).toBe('end');
    const from = Math.floor(events.length / 2);
    const resumed = await rita.stream(`/tasks/${id}/live`, () => false, {
      headers: { 'last-event-id': String(from) },
    });
    expect(rows(resumed.events).map((e) => Number(e.id))).toEqual(events.slice(from).map((e) => e.seq));
    const after = await rita.stream(`/tasks/${id}/live?after=${events.length}`, () => false);
    expect(rows(after.events)).toHaveLength(0);
  });

  it('is a 404 for another member: page, stream, diff and actions', async () => {
    expect((await sam.get(`/tasks/${id}`)).status).toBe(404);
    expect((await sam.get(`/tasks/${id}/live`)).status).toBe(404);
    expect((await sam.get(`/tasks/${id}/diff`)).status).toBe(404);
    expect((await sam.post(`/tasks/${id}/nudge`, { message: 'hi' })).status).toBe(404);
    expect((await sam.get('/tasks/01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await sam.get('/tasks/not-an-id')).status).toBe(404);
  });
});

describe('a running task', () => {
  it('streams its turns live with growing cost and tokens until it ends', async () => {
    const id = await submit('acme/app', 'Work slowly [fake:turns=4] [fake:turn_ms=300]');
    const res = await rita.stream(`/tasks/${id}/live`, () => false, { timeoutMs: 90_000 });
    expect(res.ended).toBe(true);
    const texts = rows(res.events).map((e) => e.data);
    for (let turn = 1; turn <= 4; turn++)
      expect(texts.some((d) => d.includes(`Turn ${turn}: running the tests.`))).toBe(true);
    const costs = new Set(
      patches(res.events)
        .map((x) => x['task-cost'])
        .filter(Boolean),
    );
    expect(costs.size).toBeGreaterThan(1);
    const statuses = patches(res.events)
      .map((x) => x['task-status'])
      .filter(Boolean);
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(rows(res.events).map((e) => Number(e.id))).toEqual((await p.allEvents(id)).map((e) => e.seq));
  });

  it('takes a nudge and a cancel from the page; a second cancel is refused on the page', async () => {
    const id = await submit('acme/app', 'Wait for me [fake:sleep=120000]');
    await p.waitFor(id, (t) => t.status === 'RUNNING', 60_000);
    const page = await rita.get(`/tasks/${id}`);
    expect(page.text).toContain(`<form class="action-nudge" method="post" action="/tasks/${id}/nudge">`);
    expect(page.text).toContain(`<form class="action-cancel" method="post" action="/tasks/${id}/cancel"`);
    const empty = await rita.post(`/tasks/${id}/nudge`, { message: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Check the form: message:');
    const nudged = await rita.post(`/tasks/${id}/nudge`, { message: 'Please add a test' });
    expect(nudged.status).toBe(303);
    expect(nudged.location).toBe(`/tasks/${id}?done=nudged`);
    await p.waitForEvent(id, (e) => e.type === 'task.nudge_queued');
    expect((await rita.get(nudged.location as string)).text).toContain('Your nudge is queued');
    // Another member cannot cancel it.
    expect((await sam.post(`/tasks/${id}/cancel`, {})).status).toBe(404);
    const cancel = await rita.post(`/tasks/${id}/cancel`, {});
    expect(cancel.status).toBe(303);
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status).toBe('CANCELLED');
    const again = await rita.post(`/tasks/${id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('already ended (CANCELLED); nothing to cancel.');
    const events = await p.allEvents(id);
    expect(events.find((e) => e.type === 'task.status_changed' && e.data.to === 'CANCELLED')?.data.by).toBe(
      'rita',
    );
  });
});

describe('an approval from the page', () => {
  it('shows the pending push, refuses a denial without a reason, approves, and refuses a late decision', async () => {
    const id = await submit('acme/gated', 'Fix the greeting');
    await p.waitFor(id, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    const page = await rita.get(`/tasks/${id}`);
    expect(page.text).toContain('<section class="card approval" id="approval"');
    expect(page.text).toMatch(/Push 1 commit to <code>abca\//);
    expect(page.text).toContain(`<form class="action-approve" method="post" action="/tasks/${id}/approve">`);
    expect(page.text).toContain(`<form class="action-deny" method="post" action="/tasks/${id}/deny">`);
    const approvalId = /name="approval_id" value="(apr_[0-9A-Z]+)"/.exec(page.text)?.[1] as string;
    expect(approvalId).toBeTruthy();
    const noReason = await rita.post(`/tasks/${id}/deny`, { approval_id: approvalId, reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('Check the form: reason:');
    expect(noReason.text).toContain('id="approval"');
    const ok = await rita.post(`/tasks/${id}/approve`, { approval_id: approvalId, reason: 'Looks right' });
    expect(ok.status, ok.text).toBe(303);
    const decided = await p.waitForEvent(id, (e) => e.type === 'approval.decided');
    expect(decided.data).toMatchObject({
      state: 'approved',
      by: 'rita',
      channel: 'dashboard',
      reason: 'Looks right',
    });
    const late = await rita.post(`/tasks/${id}/deny`, { approval_id: approvalId, reason: 'Too late' });
    expect(late.status).toBe(409);
    // Decided, or (a moment later) no longer waiting at all: either way the page says so.
    expect(late.text).toMatch(
      new RegExp(`Task ${id} is not waiting for (this decision any more|an approval)`),
    );
    expect(late.text).toContain('<p class="error" role="alert">');
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status).toBe('COMPLETED');
    const after = await rita.post(`/tasks/${id}/approve`, { approval_id: approvalId });
    expect(after.status).toBe(409);
    expect(after.text).toContain(`Task ${id} is not waiting for an approval (it is COMPLETED).`);
  });
});
