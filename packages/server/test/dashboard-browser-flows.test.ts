import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchTestBrowser, type TestBrowser } from './support/browser.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * What a person does in the dashboard, in Debian's Chromium against the whole platform (fake agent;
 * a plain-git repo so the change has a real diff; repos gated at the plan and at the push): sign in,
 * submit a task and watch it run live to its change request, open its diff, cancel another task,
 * approve a gated plan (edited) and deny a gated push with a reason. Each page runs clean: no
 * console or HTTP error, no CSP violation, no dialog but the confirmations the person accepts.
 */
let p: TestPlatform;
let b: TestBrowser;
let member: string;
const DONE = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_MAX_TASKS: '4' });
  b = await launchTestBrowser();
  const repos = [
    ['acme/plain', { kind: 'git', url: makeRemote(GREET_OK) }, {}],
    ['acme/planned', { kind: 'fake' }, { approvals: { plan: true, timeout_s: 3600 } }],
    ['acme/gated', { kind: 'fake' }, { approvals: { push: true, timeout_s: 3600 } }],
  ] as const;
  for (const [repo, forge, settings] of repos) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge, settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  member = await p.userKey('nora');
}, 120_000);
afterAll(async () => {
  await b?.close();
  await p?.platform.stop();
});

async function submit(repo: string, text: string): Promise<string> {
  const res = await p.request('POST', '/v1/tasks', { key: member, body: { repo, task_description: text } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.task_id as string;
}

/** A signed-in member's browser, closed after `fn` whatever happens. */
async function asMember(fn: (s: BrowserSession) => Promise<void>): Promise<void> {
  const s = await b.open(p.url);
  try {
    await s.signIn(member);
    await fn(s);
  } finally {
    await s.close();
  }
}

const statusText = (s: BrowserSession) => s.page.locator('#task-status');

describe('the dashboard in a browser', () => {
  it('submits a task, watches it run live to its change request, and opens the diff', async () => {
    await asMember(async (s) => {
      await s.page.goto('/submit');
      await s.page.locator('#submit-form select[name="repo"]').selectOption('acme/plain');
      // Slow turns, so the page is open while the agent works and the states arrive live.
      await s.page
        .locator('#submit-form textarea[name="task_description"]')
        .fill('Change the greeting [fake:turns=3] [fake:turn_ms=700]');
      await Promise.all([
        s.page.waitForURL(/\/tasks\/[0-9A-Z]{26}$/),
        s.page.locator('#submit-form button[type="submit"]').click(),
      ]);
      const id = new URL(s.page.url()).pathname.split('/')[2] as string;
      const rowsAtLoad = await s.page.locator('#trajectory > *').count();
      // No reload from here: the live stream brings the rows, the cost and the end state.
      await expect
        .poll(() => statusText(s).textContent(), { timeout: 90_000, interval: 200 })
        .toBe('COMPLETED');
      expect(await s.page.locator('#trajectory > *').count()).toBeGreaterThan(rowsAtLoad);
      await expect.poll(() => s.page.locator('#trajectory').textContent()).toContain('Turn 3');
      expect(await s.page.locator('#task-cost').textContent()).toMatch(/^\$0\.\d{4}$/);
      // The change request and its diff (a reload shows what finalization wrote).
      await s.page.reload();
      await expect(s.page.locator('a#pr-link').textContent()).resolves.toContain('change request #');
      const diff = (await s.page.locator('#diff').textContent()) ?? '';
      expect(diff).toContain('ABCA_FAKE_CHANGE.md');
      expect(await s.page.locator('#diff .d-add').count()).toBeGreaterThan(0);
      await s.page.goto(`/tasks/${id}/diff`);
      expect(await s.page.locator('body').textContent()).toContain('diff --git a/ABCA_FAKE_CHANGE.md');
      s.expectClean();
    });
  });

  it('cancels another task from its page, after confirming', async () => {
    const id = await submit('acme/plain', 'A long refactor [fake:turn_ms=600000]');
    await p.waitFor(id, (t) => t.status === 'RUNNING', 60_000);
    await asMember(async (s) => {
      await s.page.goto(`/tasks/${id}`);
      expect(await statusText(s).textContent()).toBe('RUNNING');
      s.acceptConfirms(/^Cancel task /);
      await Promise.all([
        s.page.waitForLoadState('load'),
        s.page.locator('form.action-cancel button').click(),
      ]);
      await expect
        .poll(() => statusText(s).textContent(), { timeout: 60_000, interval: 200 })
        .toBe('CANCELLED');
      s.expectClean();
    });
    expect((await p.waitFor(id, (t) => DONE.includes(t.status))).status).toBe('CANCELLED');
  });

  it('approves a gated plan with an edit, and the task goes on to the end', async () => {
    const id = await submit('acme/planned', 'Add a changelog entry');
    await p.waitFor(id, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    await asMember(async (s) => {
      await s.page.goto(`/tasks/${id}`);
      const approval = s.page.locator('#approval');
      await expect(approval.textContent()).resolves.toContain('plan gate');
      const plan = s.page.locator('form.action-approve textarea[name="plan"]');
      await expect(plan.inputValue()).resolves.toContain('Fake plan, round 1');
      await plan.fill('1. Add one line to ABCA_FAKE_CHANGE.md.\n2. Commit it. Nothing else.');
      await Promise.all([
        s.page.waitForLoadState('load'),
        s.page.locator('form.action-approve button').click(),
      ]);
      await expect
        .poll(() => statusText(s).textContent(), { timeout: 90_000, interval: 200 })
        .toBe('COMPLETED');
      s.expectClean();
    });
    const decided = (await p.allEvents(id)).find((e) => e.type === 'approval.decided');
    expect(decided.data).toMatchObject({
      gate: 'plan',
      state: 'approved',
      by: 'nora',
      channel: 'dashboard',
      plan_edited: true,
    });
  });

  it('denies a gated push with a reason: the task fails APPROVAL_DENIED, nothing pushed', async () => {
    const id = await submit('acme/gated', 'Bump the dependencies');
    await p.waitFor(id, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
    await asMember(async (s) => {
      await s.page.goto(`/tasks/${id}`);
      await expect(s.page.locator('#approval').textContent()).resolves.toContain('push gate');
      await s.page.locator('form.action-deny textarea[name="reason"]').fill('Not during the release freeze.');
      await Promise.all([s.page.waitForLoadState('load'), s.page.locator('form.action-deny button').click()]);
      await expect.poll(() => statusText(s).textContent(), { timeout: 60_000, interval: 200 }).toBe('FAILED');
      await s.page.reload();
      expect(await s.page.locator('main').textContent()).toContain('APPROVAL_DENIED');
      s.expectClean();
    });
    const events = await p.allEvents(id);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(0);
    expect(events.find((e) => e.type === 'approval.decided').data).toMatchObject({
      gate: 'push',
      state: 'denied',
      by: 'nora',
      channel: 'dashboard',
      reason: 'Not during the release freeze.',
    });
  });
});
