import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthsEnding } from '../src/dashboard/pages/stats-page.ts';
import { type DashboardBrowser, signInBrowser, visibleText } from './support/dashboard-browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The dashboard's stats and admin pages over HTTP with a session cookie: the PR figures and the
 * spend charts (inline SVG with a table, no inline style) from the same computations as the API,
 * each user seeing their own; the admin page's users, identities, keys and webhooks (a new secret
 * shown once), health and checks; members refused; CSRF on every form; outside text escaped.
 */
let p: TestPlatform;
let admin: DashboardBrowser;
let member: DashboardBrowser;
const DONE = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
const XSS = '<script>alert(1)</script>';

beforeAll(async () => {
  p = await startTestPlatform();
  const memberKey = await p.userKey('mia');
  admin = await signInBrowser(p.url, p.adminKey);
  member = await signInBrowser(p.url, memberKey);
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/web', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  // Three tasks: two of the admin's (one last month), one of the member's; their spend set once they ended.
  const spend: [string, string, number, boolean][] = [
    ['acme/app', p.adminKey, 1.25, false],
    ['acme/web', p.adminKey, 0.75, true],
    ['acme/app', memberKey, 0.5, false],
  ];
  for (const [repo, key, cost, lastMonth] of spend) {
    const res = await p.request('POST', '/v1/tasks', {
      key,
      body: { repo, task_description: 'Fix the greeting' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.data.task_id as string;
    await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    await p.platform.db.query(
      `UPDATE tasks SET cost_usd = $2, priced = true,
         created_at = CASE WHEN $3 THEN date_trunc('month', now()) - interval '1 day' ELSE created_at END
       WHERE task_id = $1`,
      [id, cost, lastMonth],
    );
  }
  expect(
    (
      await p.request('POST', '/v1/users/mia/identities', {
        body: { provider: 'github', external_id: 'mia-gh' },
      })
    ).status,
  ).toBe(201);
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
});

describe('/stats', () => {
  it('shows the PR figures of GET /v1/stats and spend by repo and by user as SVG charts with tables', async () => {
    const page = await admin.get('/stats');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).not.toMatch(/<script(?! src="\/assets\/app\.js")/);
    const months = monthsEnding(new Date(), 6).map((d) => d.toISOString().slice(0, 7));
    const api = await p.request('GET', `/v1/stats?since=${months[0]}-01`);
    expect(api.status).toBe(200);
    const text = visibleText(page.text);
    expect(text).toContain(`Pull requests ${api.body.data.overall.prs} (`);
    // Both charts drawn, each with a title for screen readers and a table of the same figures.
    for (const id of ['cost-repo', 'cost-user']) {
      const figure =
        new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`).exec(page.text)?.[1] ?? '';
      expect(figure).toContain(`<svg class="columns"`);
      expect(figure).toContain(`role="img" aria-labelledby="${id}-t"`);
      expect(figure).toContain('<table class="chart-data">');
      expect(figure).toMatch(/<rect [^>]*class="c\d"/);
    }
    const byRepo = /<figure class="chart" id="cost-repo">[\s\S]*?<\/figure>/.exec(page.text)?.[0] ?? '';
    const lastMonth = months[4] as string;
    const thisMonth = months[5] as string;
    // acme/app: 1.25 (admin) + 0.50 (mia) this month; acme/web 0.75 last month.
    expect(visibleText(byRepo)).toContain(`acme/app $0.00 $0.00 $0.00 $0.00 $0.00 $1.75`);
    expect(visibleText(byRepo)).toContain(`acme/web $0.00 $0.00 $0.00 $0.00 $0.75 $0.00`);
    expect(byRepo).toContain(`<th>${lastMonth}</th>`);
    expect(byRepo).toContain(`<th>${thisMonth}</th>`);
    const byUser = /<figure class="chart" id="cost-user">[\s\S]*?<\/figure>/.exec(page.text)?.[0] ?? '';
    expect(visibleText(byUser)).toContain('mia $0.00 $0.00 $0.00 $0.00 $0.00 $0.50');
    expect(visibleText(byUser)).toContain('Total $0.00 $0.00 $0.00 $0.00 $0.75 $1.75');
  });

  it("a member's charts hold only their own spend", async () => {
    const page = await member.get('/stats?months=3');
    expect(page.status).toBe(200);
    const text = visibleText(page.text);
    expect(text).toContain('Your tasks');
    expect(text).toContain('acme/app $0.00 $0.00 $0.50');
    expect(text).not.toContain('acme/web');
    expect(text).not.toContain('admin $');
  });

  it('a bad period is a clear 400', async () => {
    const res = await admin.get('/stats?months=99');
    expect(res.status).toBe(400);
    expect(visibleText(res.text)).toContain('must be a whole number from 1 to 24');
  });
});

describe('/admin', () => {
  it('shows users with roles and identities, keys, webhooks and the system health', async () => {
    const page = await admin.get('/admin');
    expect(page.status).toBe(200);
    const text = visibleText(page.text);
    expect(text).toMatch(/mia member 1 github: mia-gh/);
    expect(text).toContain('Readiness: ready');
    expect(page.text).toMatch(/<td class="state ok">live<\/td>/);
    expect(text).toContain('Agent runtime fake');
    expect(text).toContain('mia-key');
    expect(page.text).not.toMatch(/\sstyle=/);
    // No key's secret is ever on the page: only its prefix.
    expect(page.text).not.toContain(p.adminKey);
  });

  it('a member gets a clear 403 page, no Admin link, and cannot post', async () => {
    const res = await member.get('/admin');
    expect(res.status).toBe(403);
    expect(visibleText(res.text)).toContain('This needs an admin');
    expect((await member.get('/repos')).text).not.toContain('href="/admin"');
    const post = await member.post('/admin/keys', { name: 'sneaky', role: 'admin' });
    expect(post.status).toBe(403);
    const keys = (await p.request('GET', '/v1/api-keys')).body.data as { name: string }[];
    expect(keys.some((k) => k.name === 'sneaky')).toBe(false);
  });

  it('creates a key shown once on the answer only, and revokes it; both need the CSRF token', async () => {
    expect((await admin.post('/admin/keys', { name: 'ci', user_id: 'ci-bot' }, { csrf: null })).status).toBe(
      403,
    );
    const res = await admin.post('/admin/keys', { name: 'ci', user_id: 'ci-bot', role: 'member' });
    expect(res.status).toBe(201);
    const key = /<pre class="secret">(abca_[0-9A-Z]{26}_[A-Za-z0-9_-]{43})<\/pre>/.exec(
      res.text,
    )?.[1] as string;
    expect(key).toBeTruthy();
    expect(visibleText(res.text)).toContain('shown this once');
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(200);
    const later = await admin.get('/admin');
    expect(later.text).not.toContain(key);
    expect(later.text).toContain(`abca_${key.split('_')[1]}_`);

    const keyId = key.split('_')[1] as string;
    expect((await admin.post(`/admin/keys/${keyId}/revoke`, {}, { csrf: null })).status).toBe(403);
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(200);
    const revoked = await admin.post(`/admin/keys/${keyId}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/admin?done=key-revoked#keys');
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(401);
    const again = await admin.post(`/admin/keys/${keyId}/revoke`, {});
    expect(again.status).toBe(400);
    expect(visibleText(again.text)).toContain('already revoked');
  });

  it('bad key input is named and kept; a key name with markup is escaped', async () => {
    const res = await admin.post('/admin/keys', { name: '', user_id: 'kept-user', role: 'member' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<code>name</code>');
    expect(res.text).toContain('value="kept-user"');
    expect(res.text).toMatch(/id="k-name"[^>]*aria-invalid="true"/);
    const named = await admin.post('/admin/keys', { name: XSS.slice(0, 30), role: 'member', user_id: 'mia' });
    expect(named.status).toBe(201);
    const page = await admin.get('/admin');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&lt;script&gt;alert(1)');
  });

  it('creates a webhook with its secret shown once, and revokes it', async () => {
    const missing = await admin.post('/admin/webhooks', {
      name: 'deploys',
      user_id: 'nobody',
      scheme: 'standard',
    });
    expect(missing.status).toBe(404);
    expect(visibleText(missing.text)).toContain('USER_NOT_FOUND');
    expect(missing.text).toContain('value="nobody"');
    expect((await admin.post('/admin/webhooks', { name: 'deploys' }, { csrf: null })).status).toBe(403);
    const res = await admin.post('/admin/webhooks', { name: 'deploys', user_id: 'mia', scheme: 'standard' });
    expect(res.status).toBe(201);
    const secret = /<pre class="secret">(whsec_[^<]+)<\/pre>/.exec(res.text)?.[1] as string;
    expect(secret).toBeTruthy();
    const hooks = (await p.request('GET', '/v1/webhooks')).body.data as {
      webhook_id: string;
      name: string;
    }[];
    const hook = hooks.find((h) => h.name === 'deploys');
    expect(hook).toBeTruthy();
    const id = hook?.webhook_id as string;
    const later = await admin.get('/admin');
    expect(later.text).toContain(id);
    expect(later.text).not.toContain(secret);
    const revoked = await admin.post(`/admin/webhooks/${id}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect((await p.request('GET', `/v1/webhooks/${id}`)).body.data.revoked_at).not.toBeNull();
  });

  it('runs the model and channel checks of /v1/admin', async () => {
    const model = await admin.post('/admin/model-check', {});
    expect(model.status).toBe(200);
    const api = await p.request('POST', '/v1/admin/model-check');
    expect(visibleText(model.text)).toContain(`Model check: ${api.body.data.status}`);
    const channels = await admin.post('/admin/channel-check', {});
    expect(channels.status).toBe(200);
    expect(visibleText(channels.text)).toContain('Channel check');
    expect((await admin.post('/admin/model-check', {}, { csrf: null })).status).toBe(403);
  });
});
