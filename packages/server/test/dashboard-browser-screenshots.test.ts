import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, saveScreenshot, type TestBrowser } from './support/browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * A scripted run with the fake agent and the fake forge, seen in a browser: a few people's tasks
 * in every state a list shows (completed with a PR, failed, cancelled, running, queued). Each named
 * view opens clean (no console or HTTP error, no CSP violation) and shows what it should. Under
 * `npm run screenshots` (ABCA_SCREENSHOTS=docs/images) each view is also saved as the README's
 * picture of it (docs/screenshots.md); otherwise nothing is written.
 */
let p: TestPlatform;
let b: TestBrowser;
const DONE = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/** The tasks of the run, by what they become. */
interface World {
  running: string[];
  queued: string;
  completed: string[];
  failed: string;
  cancelled: string;
}
let w: World;

/**
 * The views: a picture of each (a page that lands adds a line). `shows`: texts the view must show.
 */
const VIEWS: { name: string; path: (w: World) => string; shows: (w: World) => string[] }[] = [
  {
    name: 'task-list.png',
    path: () => '/tasks',
    shows: (w) => [...w.running, w.queued, w.failed, w.cancelled, ...w.completed],
  },
  { name: 'task-live.png', path: (w) => `/tasks/${w.running[0]}`, shows: (w) => [w.running[0] as string] },
  { name: 'stats.png', path: () => '/stats', shows: () => ['Stats'] },
];

/**
 * What people asked for. The fake agent takes its part from a `[fake:…]` directive at the end,
 * past the 120 characters the list shows.
 */
const pad = (text: string) => text.padEnd(130, ' ');
const ASKS = {
  pagination:
    'Add cursor pagination to GET /orders: return next_token, cap limit at 100, and document it in docs/api.md.',
  flaky:
    'Fix the flaky checkout test: it depends on the order of the cart items; sort them before comparing totals.',
  readme:
    'Update the README quick start for Node 20 and the new `make dev` target; remove the Docker Compose section.',
  currency:
    'Format prices with Intl.NumberFormat in the product page and the cart, using the shop locale setting.',
  upgrade: 'Upgrade the payment SDK to v5 and adapt the webhook signature check to its new verify() helper.',
  webhooks: 'Retry failed outgoing webhooks with exponential backoff (at most 5 tries) and log each attempt.',
  search: 'Add a search box to the admin orders page that filters by customer email and order number.',
  i18n: 'Move the hard-coded strings of the signup form into the messages catalogue (en, de, fr).',
};

beforeAll(async () => {
  // One after the other: whichever failed, afterAll stops what did start (no orphan Chromium).
  p = await startTestPlatform({ ABCA_MAX_TASKS: '2' });
  b = await launchTestBrowser();
  for (const repo of ['acme/shop', 'acme/payments', 'acme/docs']) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const lena = await p.userKey('lena');
  const omar = await p.userKey('omar');
  const submit = async (key: string, repo: string, text: string) => {
    const res = await p.request('POST', '/v1/tasks', { key, body: { repo, task_description: text } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.task_id as string;
  };
  // Two slots: the first four run two at a time; then two that go on running fill both slots, and
  // what comes after waits in the queue (one of those is cancelled there).
  const completed = [
    await submit(lena, 'acme/shop', ASKS.pagination),
    await submit(omar, 'acme/docs', ASKS.readme),
    await submit(lena, 'acme/shop', ASKS.currency),
  ];
  const failed = await submit(omar, 'acme/payments', `${pad(ASKS.upgrade)} [fake:fail=AGENT_STUCK]`);
  for (const id of [...completed, failed]) await p.waitFor(id, (t) => DONE.includes(t.status), 120_000);
  const running = [
    await submit(lena, 'acme/shop', `${pad(ASKS.flaky)} [fake:turn_ms=600000]`),
    await submit(omar, 'acme/payments', `${pad(ASKS.webhooks)} [fake:turn_ms=600000]`),
  ];
  for (const id of running) await p.waitFor(id, (t) => t.status === 'RUNNING', 120_000);
  const cancelled = await submit(omar, 'acme/shop', ASKS.i18n);
  const cancel = await p.request('DELETE', `/v1/tasks/${cancelled}`, { key: omar });
  expect(cancel.status, JSON.stringify(cancel.body)).toBeLessThan(300);
  const queued = await submit(lena, 'acme/shop', ASKS.search);
  await p.waitFor(cancelled, (t) => t.status === 'CANCELLED', 60_000);
  await p.waitFor(queued, (t) => t.status === 'QUEUED', 60_000);
  w = { running, queued, completed, failed, cancelled };
}, 300_000);
afterAll(async () => {
  await b?.close();
  await p?.platform.stop();
});

describe('the dashboard of a scripted run', () => {
  it('lists the run in every state', async () => {
    const s = await b.open(p.url);
    try {
      await s.signIn(p.adminKey);
      const status = (id: string) => s.page.locator(`tr[data-task="${id}"] td.status`).textContent();
      for (const id of w.completed) await expect(status(id)).resolves.toBe('COMPLETED');
      await expect(status(w.failed)).resolves.toBe('FAILED');
      await expect(status(w.cancelled)).resolves.toBe('CANCELLED');
      for (const id of w.running) await expect(status(id)).resolves.toBe('RUNNING');
      await expect(status(w.queued)).resolves.toBe('QUEUED');
      s.expectClean();
    } finally {
      await s.close();
    }
  });

  for (const view of VIEWS) {
    it(`view ${view.name} opens clean and shows the run`, async () => {
      const s = await b.open(p.url);
      try {
        await s.signIn(p.adminKey);
        const path = view.path(w);
        await s.page.goto(path);
        expect(new URL(s.page.url()).pathname).toBe(path);
        const text = (await s.page.locator('main').textContent()) ?? '';
        for (const shown of view.shows(w)) expect(text).toContain(shown);
        s.expectClean();
        const saved = await saveScreenshot(s.page, view.name);
        expect(saved === undefined).toBe(!process.env.ABCA_SCREENSHOTS);
      } finally {
        await s.close();
      }
    });
  }
});
