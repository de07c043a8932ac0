import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/store/event-store.ts';
import { type BrowserSession, launchTestBrowser, type TestBrowser } from './support/browser.ts';
import type { PageWindow } from './support/page-dom.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Hostile task text in a real browser: descriptions that carry scripts, event handlers and
 * markup show as text on every page that shows them, nothing in them runs, no dialog opens, and
 * nothing even tries to run (a CSP violation would mean escaping failed and only the CSP stood).
 * Then the second wall on its own: a script injected into a dashboard page is refused by the CSP
 * in Chromium (inline script, event handler, eval, javascript: URL, another origin's script), while
 * the same injections do run in a page without the dashboard's CSP (the probe can tell).
 */
let p: TestPlatform;
let b: TestBrowser;
let s: BrowserSession | undefined;
const REPO = 'acme/shop';

beforeAll(async () => {
  // One after the other: whichever failed, afterAll stops what did start (no orphan Chromium).
  p = await startTestPlatform({}, { apiOnly: true });
  b = await launchTestBrowser();
  const res = await p.request('POST', '/v1/repos', { body: { repo: REPO, forge: { kind: 'fake' } } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}, 120_000);
afterEach(async () => {
  await s?.close();
  s = undefined;
});
afterAll(async () => {
  await b?.close();
  await p?.platform.stop();
});

/** Each sets `window.__pwned` (or opens a dialog) if it ever runs. Each fits the list's 120 characters. */
const PAYLOADS = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '"><svg onload=alert(1)>',
  '\'><iframe src="javascript:parent.__pwned=4"></iframe>',
  '</td></tr></table><script>window.__pwned=5</script><table><tr><td>',
  '<a href="javascript:window.__pwned=6" id="pwn">Fix the login</a>',
  '<style>body{display:none}</style><base href="https://evil.example/">',
  '<details open ontoggle="window.__pwned=8">x</details>',
];

/**
 * The pages that show a task's text, and which of the hostile texts each must show: a page that
 * lands adds a line (`ids[i]` is the task whose description is `PAYLOADS[i]`).
 */
const PAGES_SHOWING_TASK_TEXT: ((ids: string[]) => { path: string; shows: string[] }[])[] = [
  () => [{ path: '/tasks', shows: PAYLOADS }],
  (ids) => ids.map((id, i) => ({ path: `/tasks/${id}`, shows: [PAYLOADS[i] as string] })),
];

async function pwnedState(page: Page) {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    return {
      pwned: w.__pwned,
      injected: w.document.querySelectorAll(
        'main script, main img, main svg, main iframe, main style, main details, main a#pwn, base',
      ).length,
      bodyShown: w.getComputedStyle(w.document.body).display !== 'none',
      // biome-ignore lint/performance/useDomNodeTextContent: what the person sees is the point
      text: w.document.body.innerText,
    };
  });
}

describe('hostile task text in the dashboard', () => {
  it('shows as text on every page, runs nothing and opens no dialog', async () => {
    const ids: string[] = [];
    for (const task_description of PAYLOADS) {
      const res = await p.request('POST', '/v1/tasks', { body: { repo: REPO, task_description } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.data.task_id);
    }
    s = await b.open(p.url);
    await s.signIn(p.adminKey);
    const pages = PAGES_SHOWING_TASK_TEXT.flatMap((list) => list(ids));
    for (const { path, shows } of pages) {
      await s.page.goto(path);
      expect(new URL(s.page.url()).pathname).toBe(path);
      const state = await pwnedState(s.page);
      expect(state.pwned, path).toBeUndefined();
      expect(state.injected, path).toBe(0);
      expect(state.bodyShown, path).toBe(true);
      for (const text of shows) expect(state.text, path).toContain(text);
    }
    // The agent's own output, arriving live on an open task page (rows rendered by the server).
    const live = ids[0] as string;
    await s.page.goto(`/tasks/${live}`);
    for (const [i, text] of PAYLOADS.entries()) {
      await appendEvent(p.platform.db, live, 'agent.message', { turn: 100 + i, text });
    }
    await expect
      .poll(async () => (await pwnedState(s?.page as Page)).text, { timeout: 30_000, interval: 200 })
      .toContain(PAYLOADS[PAYLOADS.length - 1]);
    const after = await pwnedState(s.page);
    expect(after.pwned).toBeUndefined();
    expect(after.injected).toBe(0);
    expect(after.bodyShown).toBe(true);
    for (const text of PAYLOADS) expect(after.text).toContain(text);
    // In the list, each task's row holds its description whole, as text.
    await s.page.goto('/tasks');
    for (const [i, id] of ids.entries()) {
      const cell = s.page.locator(`tr[data-task="${id}"] td`).last();
      await expect(cell.textContent()).resolves.toBe(PAYLOADS[i]);
    }
    // Escaping held on its own: nothing even tried to run (the CSP had nothing to refuse).
    expect(s.problems.dialogs).toEqual([]);
    expect(s.problems.cspViolations).toEqual([]);
    s.expectClean();
  });

  it('the CSP refuses a script injected into a dashboard page; without it the same script runs', async () => {
    s = await b.open(p.url);
    const ran = () => s?.page.evaluate(() => (globalThis as unknown as PageWindow).__ran);
    // The control: a page without a CSP, where every injection of the probe runs.
    await s.page.goto('about:blank');
    await s.page.evaluate(probe);
    await expect.poll(async () => ((await ran()) ?? []).length, { timeout: 30_000 }).toBe(RUNS.length);
    expect([...((await ran()) ?? [])].sort()).toEqual([...RUNS].sort());
    expect(s.problems.cspViolations).toEqual([]);

    // A dashboard page: Chromium refuses each one and reports it.
    await s.signIn(p.adminKey);
    expect(new URL(s.page.url()).pathname).toBe('/tasks');
    await s.page.evaluate(probe);
    const refused = () => s?.problems.cspViolations.map((v) => `${v.directive} ${v.blockedURI}`).sort();
    const expected = [
      'script-src eval', // setTimeout with a string
      'script-src eval', // eval
      'script-src-attr inline', // the onerror handler
      'script-src-elem http://127.0.0.1:9/pwn.js', // another origin's script
      'script-src-elem inline', // the inline script
      'script-src-elem inline', // the javascript: URL
    ];
    await expect.poll(refused, { timeout: 30_000 }).toEqual(expected);
    await expect.poll(ran, { timeout: 30_000 }).toEqual(['eval refused: EvalError']);
    expect(await s.page.evaluate(() => (globalThis as unknown as PageWindow).__pwned)).toBeUndefined();
    expect(s.problems.dialogs).toEqual([]);
    expect(s.problems.pageErrors).toEqual([]);
    // The console says what was refused (Chromium may merge the two eval lines), and nothing else.
    expect(s.problems.consoleErrors.length).toBeGreaterThanOrEqual(expected.length - 1);
    expect(s.problems.consoleErrors.every((m) => /Content Security Policy/.test(m))).toBe(true);
  });
});

/** What the probe's injections mark when they run (in a page without the dashboard's CSP). */
const RUNS = ['inline-script', 'string-timer', 'eval', 'javascript-url', 'event-handler'];

/**
 * Injects scripts the ways an attacker's markup could, into whatever page it runs in. Each that
 * runs marks its name in `window.__ran`.
 */
function probe(): void {
  const w = globalThis as unknown as PageWindow;
  const ran: string[] = [];
  w.__ran = ran;
  w.__mark = (name) => {
    ran.push(name);
  };
  const { document } = w;
  // An inline script element.
  const inline = document.createElement('script');
  inline.textContent = 'window.__mark("inline-script")';
  document.body.append(inline);
  // An event handler attribute in markup (a broken image fires onerror; data: images are allowed).
  document.body.insertAdjacentHTML(
    'beforeend',
    '<img alt="" src="data:image/png;base64,AAAA" onerror="window.__mark(\'event-handler\')">',
  );
  // Code from a string, later, from the page's own event loop (setTimeout with a string, and eval in
  // a timer: an eval inside the test's own evaluate is the DevTools protocol's, which no CSP governs).
  w.setTimeout('window.__mark("string-timer")', 0);
  w.setTimeout(() => {
    try {
      // biome-ignore lint/security/noGlobalEval: the probe checks that the CSP forbids it
      eval('window.__mark("eval")');
    } catch (e) {
      ran.push(`eval refused: ${(e as Error).name}`);
    }
  }, 0);
  // A javascript: URL.
  const a = document.createElement('a');
  a.setAttribute('href', 'javascript:window.__mark("javascript-url")');
  document.body.append(a);
  a.click();
  // Another origin's script (the discard port on loopback: where the CSP lets it, it fails to load).
  const foreign = document.createElement('script');
  foreign.setAttribute('src', 'http://127.0.0.1:9/pwn.js');
  document.body.append(foreign);
}
