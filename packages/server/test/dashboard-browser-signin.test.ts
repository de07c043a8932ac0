import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchTestBrowser, type TestBrowser } from './support/browser.ts';
import type { PageWindow } from './support/page-dom.ts';
import { secretOfKey, startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Signing in to the dashboard in a real browser (Debian's Chromium): a wrong key shows the error
 * and sets nothing; a right key lands on the tasks with a session cookie that page scripts cannot
 * read, and the key itself is kept nowhere in the browser; signing out, a revoked key and an
 * expired session all send the person back to the sign-in form.
 */
let p: TestPlatform;
let b: TestBrowser;
let s: BrowserSession | undefined;

beforeAll(async () => {
  // One after the other: whichever failed, afterAll stops what did start (no orphan Chromium).
  p = await startTestPlatform({}, { apiOnly: true });
  b = await launchTestBrowser();
}, 120_000);
afterEach(async () => {
  await s?.close();
  s = undefined;
});
afterAll(async () => {
  await b?.close();
  await p?.platform.stop();
});

async function open(): Promise<BrowserSession> {
  s = await b.open(p.url);
  return s;
}

describe('dashboard sign-in in a browser', () => {
  it('a wrong key shows the error on the form and sets no cookie', async () => {
    const { page, context, signIn, expectClean, problems } = await open();
    await signIn('abca_01HXXXXXXXXXXXXXXXXXXXXXXX_not-a-real-key-not-a-real-key-not-a-real');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not valid, or it was revoked');
    expect(await context.cookies()).toEqual([]);
    // The refused form's 401 is the one thing that went wrong.
    expect(problems.httpErrors).toEqual(['401 POST /login']);
    problems.httpErrors.length = 0;
    expectClean();
  });

  it('a right key lands on the tasks; the cookie is HttpOnly and the key is kept nowhere', async () => {
    const key = await p.userKey('lena');
    const { page, context, signIn, expectClean } = await open();
    await signIn(key);
    expect(new URL(page.url()).pathname).toBe('/tasks');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Tasks');
    await expect(page.locator('header .who').textContent()).resolves.toBe('lena (member)');

    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['abca_session']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      return {
        cookie: w.document.cookie,
        stored: w.localStorage.length + w.sessionStorage.length,
        html: w.document.documentElement.outerHTML,
        script: typeof w.abca,
        font: w.getComputedStyle(w.document.body).fontFamily,
      };
    });
    expect(seen.cookie).toBe('');
    expect(seen.stored).toBe(0);
    const secret = secretOfKey(key);
    expect(seen.html).not.toContain(secret);
    // The page's own script and styles load under the strict CSP, with no error.
    expect(seen.script).toBe('object');
    expect(seen.font).toMatch(/system-ui/);
    expectClean();
  });

  it('a page asked for while signed out goes through sign-in and back to that page', async () => {
    const { page, signIn, expectClean } = await open();
    await page.goto('/tasks');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/tasks');
    await signIn(p.adminKey, { next: '/tasks' });
    expect(new URL(page.url()).pathname).toBe('/tasks');
    expectClean();
  });

  it('signing out returns to the sign-in form and ends the session', async () => {
    const { page, context, signIn, expectClean } = await open();
    await signIn(p.adminKey);
    const before = (await context.cookies())[0]?.value;
    expect(before).toBeTruthy();
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login'),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(await context.cookies()).toEqual([]);
    // The old cookie, put back, no longer opens a page: the session is gone on the server too.
    await context.addCookies([{ name: 'abca_session', value: before as string, url: p.url }]);
    await page.goto('/tasks');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your session has ended');
    expectClean();
  });

  it('a revoked key, and then an expired session, send the person back to sign in', async () => {
    const key = await p.userKey('omar');
    const { page, signIn, expectClean } = await open();
    await signIn(key);
    expect(new URL(page.url()).pathname).toBe('/tasks');
    const revoke = await p.request('DELETE', `/v1/api-keys/${key.split('_')[1]}`);
    expect(revoke.status, JSON.stringify(revoke.body)).toBe(200);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your session has ended');

    // An admin's session that outlived its idle time.
    await signIn(p.adminKey);
    expect(new URL(page.url()).pathname).toBe('/tasks');
    const expired = await p.platform.db.query(
      `UPDATE dashboard_sessions SET expires_at = clock_timestamp() - interval '1 second'
       WHERE key_id = $1`,
      [p.adminKey.split('_')[1]],
    );
    expect(expired.rowCount).toBeGreaterThan(0);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('expired')).toBe('1');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your session has ended');
    expectClean();
  });
});
