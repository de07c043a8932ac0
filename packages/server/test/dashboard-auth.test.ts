import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/dashboard/security.ts';
import { secretOfKey, startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The dashboard's sign-in: an API key buys an HttpOnly, SameSite=Strict session cookie; a wrong or
 * revoked key, an expired session and a form without its CSRF token are refused; every page has
 * the strict CSP and never holds the key.
 */
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(key: string) {
  return fetch(`${p.url}/login`, {
    method: 'POST',
    headers: FORM,
    body: form({ api_key: key, next: '/tasks' }),
    redirect: 'manual',
  });
}

function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}

describe('dashboard sign-in', () => {
  it('a page without a session redirects to the sign-in page', async () => {
    const res = await fetch(`${p.url}/tasks`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Ftasks');
    const login = await fetch(`${p.url}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('a valid key gives an HttpOnly SameSite=Strict session; the page never holds the key', async () => {
    const res = await signIn(p.adminKey);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/tasks');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^abca_session=[A-Za-z0-9_-]{43};/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const page = await fetch(`${p.url}/tasks`, { headers: { cookie: cookieOf(res) } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<h1>Tasks</h1>');
    expect(text).not.toContain(p.adminKey);
    expect(text).not.toContain(secretOfKey(p.adminKey));
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('a wrong key, then a revoked one, are refused with a clear message', async () => {
    const wrong = await signIn('abca_01HXXXXXXXXXXXXXXXXXXXXXXX_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('not valid, or it was revoked');
    const key = await p.userKey('rita');
    const ok = await signIn(key);
    expect(ok.status).toBe(303);
    const cookie = cookieOf(ok);
    const keyId = key.split('_')[1];
    const revoke = await p.request('DELETE', `/v1/api-keys/${keyId}`, { key });
    expect(revoke.status).toBeLessThan(300);
    expect((await signIn(key)).status).toBe(401);
    // The session of a revoked key ends with it.
    const after = await fetch(`${p.url}/tasks`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('expired=1');
  });

  it('a form post without the CSRF token, or from another origin, is refused', async () => {
    const cookie = cookieOf(await signIn(p.adminKey));
    const none = await fetch(`${p.url}/logout`, {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: '',
      redirect: 'manual',
    });
    expect(none.status).toBe(403);
    const page = await (await fetch(`${p.url}/tasks`, { headers: { cookie } })).text();
    const token = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] as string;
    expect(token).toBeTruthy();
    const foreign = await fetch(`${p.url}/logout`, {
      method: 'POST',
      headers: { ...FORM, cookie, origin: 'https://evil.example' },
      body: form({ _csrf: token }),
      redirect: 'manual',
    });
    expect(foreign.status).toBe(403);
    const ok = await fetch(`${p.url}/logout`, {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: form({ _csrf: token }),
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
    const gone = await fetch(`${p.url}/tasks`, { headers: { cookie }, redirect: 'manual' });
    expect(gone.status).toBe(303);
  });

  it('the API is unchanged: /v1 still wants a key, unknown paths are JSON 404s', async () => {
    const res = await fetch(`${p.url}/v1/tasks`);
    expect(res.status).toBe(401);
    const nf = await fetch(`${p.url}/nope`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe('dashboard assets', () => {
  it('serves its two files and nothing else, whatever the name', async () => {
    const js = await fetch(`${p.url}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    for (const name of ['__proto__', 'constructor', 'toString', '..%2Fsecurity.ts', 'app.js.map']) {
      const res = await fetch(`${p.url}/assets/${name}`);
      expect(res.status, name).toBe(404);
    }
  });
});
