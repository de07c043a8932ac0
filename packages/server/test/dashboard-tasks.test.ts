import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/dashboard/security.ts';
import { transition } from '../src/store/task-store.ts';
import { type DashboardClient, signInDashboard } from './support/dashboard-client.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The dashboard's task list and submit form, on an API-only platform (no worker runs the tasks, so
 * their states move only when the test moves them): filters validated and applied, members limited
 * to their own tasks, paging newest first, live states over `/tasks/live`, queue positions, and a
 * task submitted from the browser through the API's own creation (its errors, its idempotency).
 */
let p: TestPlatform;
let admin: DashboardClient;
let rita: DashboardClient;
let sam: DashboardClient;
const ritaTasks: string[] = [];
const samTasks: string[] = [];
let cliTask: string;

async function create(key: string, repo: string, text: string, headers: Record<string, string> = {}) {
  const res = await p.request('POST', '/v1/tasks', { key, body: { repo, task_description: text }, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.task_id as string;
}

/** The task ids of the list's rows, top to bottom. */
const rowIds = (text: string) => [...text.matchAll(/<tr data-task="([0-9A-Z]{26})">/g)].map((m) => m[1]);

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_MAX_TASKS: '1' }, { apiOnly: true });
  for (const repo of ['acme/app', 'acme/other']) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const ritaKey = await p.userKey('rita');
  const samKey = await p.userKey('sam');
  for (let i = 0; i < 55; i++) ritaTasks.push(await create(ritaKey, 'acme/app', `Rita's task ${i}`));
  for (let i = 0; i < 3; i++) samTasks.push(await create(samKey, 'acme/other', `Sam's task ${i}`));
  cliTask = await create(ritaKey, 'acme/other', 'From the CLI', { 'x-abca-channel': 'cli' });
  [admin, rita, sam] = await Promise.all([
    signInDashboard(p.url, p.adminKey),
    signInDashboard(p.url, ritaKey),
    signInDashboard(p.url, samKey),
  ]);
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
});

describe('the task list', () => {
  it('shows a member their own tasks only, newest first, 50 a page, with an Older link', async () => {
    const page = await rita.get('/tasks');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const ids = rowIds(page.text);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe(cliTask);
    expect(ids[1]).toBe(ritaTasks[54]);
    for (const s of samTasks) expect(page.text).not.toContain(s);
    // The markup contract: a status cell per row, by id.
    expect(page.text).toMatch(new RegExp(`<td class="status s-[A-Z_]+" id="status-${cliTask}">[A-Z_]+</td>`));
    expect(page.text).toContain('<table class="tasks">');
    const older = /<a class="older" rel="next" href="([^"]+)">/.exec(page.text)?.[1];
    expect(older).toBeDefined();
    const next = await rita.get((older as string).replaceAll('&amp;', '&'));
    const rest = rowIds(next.text);
    expect(rest).toEqual([...ritaTasks.slice(0, 6)].reverse());
    expect(next.text).not.toContain('class="older"');
    // No user filter for a member; another user's tasks are refused in words.
    expect(page.text).not.toContain('name="user"');
    const other = await rita.get('/tasks?user=sam');
    expect(other.status).toBe(400);
    expect(other.text).toContain('Only an admin can list the tasks of another user.');
    expect(rowIds(other.text)).toHaveLength(0);
  });

  it('filters by state, repo, user and channel for an admin', async () => {
    const all = await admin.get('/tasks');
    expect(all.text).toContain('<form class="filters" method="get" action="/tasks">');
    for (const name of ['status', 'repo', 'user', 'channel'])
      expect(all.text).toContain(`<select name="${name}">`);
    const bySam = rowIds((await admin.get('/tasks?user=sam')).text);
    expect(bySam).toEqual([...samTasks].reverse());
    const byRepo = rowIds((await admin.get('/tasks?repo=acme%2Fother&user=rita')).text);
    expect(byRepo).toEqual([cliTask]);
    const byChannel = rowIds((await admin.get('/tasks?channel=cli')).text);
    expect(byChannel).toEqual([cliTask]);
    const target = samTasks[1] as string;
    await transition(p.platform.db, target, 'CANCELLED', { event: { by: 'test' } });
    const cancelled = await admin.get('/tasks?status=CANCELLED');
    expect(rowIds(cancelled.text)).toEqual([target]);
    expect(cancelled.text).toContain(`id="status-${target}">CANCELLED</td>`);
    // The selects keep the chosen values.
    expect(cancelled.text).toContain('<option value="CANCELLED" selected>');
  });

  it('answers a bad filter with a clear message, never a 500', async () => {
    for (const q of ['status=DONE', 'channel=email', 'repo=%3Cscript%3E', 'before=nope', 'user=a%20b']) {
      const res = await admin.get(`/tasks?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.text, q).toContain('Check the form:');
      expect(res.text).not.toContain('<script>');
    }
  });

  it('shows queue positions of waiting tasks', async () => {
    const page = await sam.get('/tasks');
    const cells = [...page.text.matchAll(/id="queue-([0-9A-Z]{26})">#(\d+)</g)].map((m) => Number(m[2]));
    // Sam's waiting tasks stand behind Rita's, which were submitted first.
    expect(cells.length).toBeGreaterThan(0);
    for (const n of cells) expect(n).toBeGreaterThan(50);
  });

  it('keeps states live: /tasks/live patches a row when its task moves, and ends when all ended', async () => {
    const page = await rita.get('/tasks?repo=acme%2Fother');
    const live = /<tbody data-live="([^"]+)">/.exec(page.text)?.[1];
    expect(live).toBe(`/tasks/live?ids=${cliTask}`);
    let moved = false;
    const res = await rita.stream(live as string, (events) => events.some((e) => e.event === 'end'), {
      onEvent: (e) => {
        // After the first picture of the rows, the task moves on (cancelled by another actor).
        if (e.event === 'patch' && !moved) {
          moved = true;
          void transition(p.platform.db, cliTask, 'CANCELLED', { event: { by: 'test' } });
        }
      },
    });
    expect(res.status).toBe(200);
    const patches = res.events.filter((e) => e.event === 'patch').map((e) => JSON.parse(e.data));
    expect(patches[0][`status-${cliTask}`]).toMatch(/^(SUBMITTED|QUEUED|HYDRATING)$/);
    expect(patches.at(-1)[`status-${cliTask}`]).toBe('CANCELLED');
    expect(res.events.at(-1)?.event).toBe('end');
  });

  it('a live list stream watches only what the person may see', async () => {
    const res = await rita.stream(`/tasks/live?ids=${samTasks[0]}`, (events) =>
      events.some((e) => e.event === 'end'),
    );
    expect(res.events.filter((e) => e.event === 'patch')).toHaveLength(0);
    expect((await rita.get('/tasks/live?ids=nope')).status).toBe(400);
  });
});

describe('submitting from the browser', () => {
  it('creates the task through the API’s own creation and goes to its page', async () => {
    const form = await rita.get('/submit');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form id="submit-form"');
    expect(form.text).toContain('<option value="acme/app">acme/app</option>');
    const key = /name="submit_key" value="([^"]+)"/.exec(form.text)?.[1] as string;
    const fields = {
      repo: 'acme/app',
      task_description: 'Add a README\r\nwith two lines',
      issue_number: '',
      max_budget_usd: '2.5',
      submit_key: key,
    };
    const res = await rita.post('/submit', fields);
    expect(res.status, res.text).toBe(303);
    const id = /^\/tasks\/([0-9A-Z]{26})$/.exec(res.location ?? '')?.[1] as string;
    expect(id).toBeTruthy();
    const task = (await p.request('GET', `/v1/tasks/${id}`)).body.data;
    expect(task).toMatchObject({
      user_id: 'rita',
      repo: 'acme/app',
      task_description: 'Add a README\nwith two lines',
      max_budget_usd: 2.5,
      channel: 'dashboard',
    });
    // The same form sent twice (a double click) makes one task.
    const again = await rita.post('/submit', fields);
    expect(again.location).toBe(`/tasks/${id}`);
  });

  it('bad input comes back with the message and what was typed', async () => {
    const none = await rita.post('/submit', { repo: '', task_description: 'Keep <this> text' });
    expect(none.status).toBe(400);
    expect(none.text).toContain('Check the form: repo:');
    expect(none.text).toContain('Keep &lt;this&gt; text</textarea>');
    const issue = await rita.post('/submit', { repo: 'acme/app', issue_number: 'twelve' });
    expect(issue.status).toBe(400);
    expect(issue.text).toContain('issue_number must be a whole number');
    expect(issue.text).toContain('value="twelve"');
    const budget = await rita.post('/submit', {
      repo: 'acme/app',
      task_description: 'x',
      max_budget_usd: '500',
    });
    expect(budget.status).toBe(400);
    expect(budget.text).toContain('max_budget_usd: must be at most 100 US dollars');
    const empty = await rita.post('/submit', { repo: 'acme/app', task_description: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('give task_description, issue_number or pr_number');
    const unknown = await rita.post('/submit', { repo: 'acme/nope', task_description: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('Repository acme/nope is not onboarded');
    expect(unknown.text).toContain('<option value="acme/app">');
    // Without the CSRF token nothing is made.
    const forged = await rita.post('/submit', { repo: 'acme/app', task_description: 'x' }, { csrf: false });
    expect(forged.status).toBe(403);
  });
});
