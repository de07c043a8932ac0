import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardBrowser, signInBrowser, visibleText } from './support/dashboard-browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The dashboard's repo and memory pages, over HTTP with a session cookie: onboarding with the
 * remote checked (a refusal shows the API's code, message and remedy and keeps the input), a repo's
 * settings (a bad approval rule is named as the API names it), the memory records (filter, edit,
 * pin, forget), members' rights, CSRF on every form, and outside text always escaped.
 */
let p: TestPlatform;
let admin: DashboardBrowser;
let member: DashboardBrowser;
beforeAll(async () => {
  p = await startTestPlatform();
  admin = await signInBrowser(p.url, p.adminKey);
  member = await signInBrowser(p.url, await p.userKey('mia'));
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

const XSS = '<script>alert(1)</script>';

describe('/repos: onboarding', () => {
  it('an admin onboards a repo through the form; the remote is checked first', async () => {
    const page = await admin.get('/repos');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Repos</h1>');
    expect(page.text).toContain('action="/repos"');
    const res = await admin.post('/repos', { repo: 'acme/app', forge: 'fake', verify: 'on' });
    expect(res.status).toBe(201);
    expect(visibleText(res.text)).toContain('Onboarded acme/app.');
    expect(visibleText(res.text)).toContain('Remote: checked');
    expect(res.text).toContain('href="/repos/acme/app"');
    const api = await p.request('GET', '/v1/repos/acme%2Fapp');
    expect(api.status).toBe(200);
    expect(api.body.data.forge).toEqual({ kind: 'fake' });
  });

  it('a failed check shows the typed code, message and remedy, keeps the input (never the token), stores nothing', async () => {
    const url = join(tmpdir(), 'abca-no-such-dir', 'repo.git');
    // A token is for http(s) remotes: refused for a path, and never shown back.
    const withToken = await admin.post('/repos', {
      repo: 'nowhere',
      forge: 'git',
      git_url: url,
      git_token: 'tok-secret-123456789',
      verify: 'on',
    });
    expect(withToken.status).toBe(400);
    expect(visibleText(withToken.text)).toContain('VALIDATION_ERROR');
    expect(withToken.text).toContain('value="nowhere"');
    expect(withToken.text).not.toContain('tok-secret-123456789');
    const res = await admin.post('/repos', { repo: 'nowhere', forge: 'git', git_url: url, verify: 'on' });
    expect(res.status).toBe(422);
    const text = visibleText(res.text);
    expect(text).toContain('REMOTE_NOT_FOUND');
    expect(text).toContain('How to fix it:');
    expect(text).toContain('--git-url');
    expect(res.text).toContain('value="nowhere"');
    expect(res.text).toContain(`value="${url}"`);
    expect(res.text).toMatch(/<option value="git" selected>/);
    expect((await p.request('GET', '/v1/repos/nowhere')).status).toBe(404);
  });

  it('with the check off, an unreachable remote is stored with its warning', async () => {
    const url = join(tmpdir(), 'abca-no-such-dir', 'offline.git');
    const res = await admin.post('/repos', { repo: 'offline', forge: 'git', git_url: url });
    expect(res.status).toBe(201);
    const text = visibleText(res.text);
    expect(text).toContain('Remote: not checked');
    expect(text).toContain('NOT_VERIFIED');
    expect((await p.request('GET', '/v1/repos/offline')).status).toBe(200);
  });

  it('bad input is named by field and kept', async () => {
    const res = await admin.post('/repos', { repo: 'bad name!', forge: 'fake', verify: 'on' });
    expect(res.status).toBe(400);
    expect(visibleText(res.text)).toContain('VALIDATION_ERROR');
    expect(res.text).toContain('<code>repo</code>');
    expect(res.text).toContain('value="bad name!"');
    expect(res.text).toMatch(/id="o-repo"[^>]*aria-invalid="true"/);
  });

  it('without the CSRF token the form is refused and nothing is stored', async () => {
    const res = await admin.post('/repos', { repo: 'sneaky', forge: 'fake', verify: 'on' }, { csrf: null });
    expect(res.status).toBe(403);
    const wrong = await admin.post('/repos', { repo: 'sneaky', forge: 'fake' }, { csrf: member.csrf });
    expect(wrong.status).toBe(403);
    expect((await p.request('GET', '/v1/repos/sneaky')).status).toBe(404);
  });

  it('a member reads the list but cannot onboard', async () => {
    const page = await member.get('/repos');
    expect(page.status).toBe(200);
    expect(page.text).toContain('acme/app');
    expect(page.text).not.toContain('action="/repos"');
    const res = await member.post('/repos', { repo: 'mine', forge: 'fake', verify: 'on' });
    expect(res.status).toBe(403);
    expect(visibleText(res.text)).toContain('FORBIDDEN');
    expect((await p.request('GET', '/v1/repos/mine')).status).toBe(404);
  });
});

describe('/repos/{repo}: settings', () => {
  it('shows and saves the settings of owner/name and of a one-segment name', async () => {
    expect(
      (await p.request('POST', '/v1/repos', { body: { repo: 'solo', forge: { kind: 'fake' } } })).status,
    ).toBe(201);
    for (const [path, repo] of [
      ['/repos/acme/app', 'acme%2Fapp'],
      ['/repos/solo', 'solo'],
    ] as const) {
      const page = await admin.get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`action="${path}"`);
      // The remote's default branch was found at onboarding; the form shows it as it is.
      expect(page.text).toMatch(/id="f-default_branch" name="default_branch" type="text" value="main"/);
      const saved = await admin.post(path, {
        default_branch: 'main',
        test_command: 'npm test',
        max_turns: '42',
        network_allowlist: 'registry.npmjs.org\n*.example.com',
        'github_triggers.label': 'on',
        trigger_label: 'robot',
        memory: 'off',
        pr_watch: 'on',
        approvals: '{"push": true, "tools": {"commands": ["^git push"]}}',
        verify: 'on',
      });
      expect(saved.status, visibleText(saved.text)).toBe(200);
      expect(visibleText(saved.text)).toContain('Settings saved.');
      const api = await p.request('GET', `/v1/repos/${repo}`);
      expect(api.body.data.settings).toEqual({
        default_branch: 'main',
        test_command: 'npm test',
        max_turns: 42,
        network_allowlist: ['registry.npmjs.org', '*.example.com'],
        github_triggers: ['label'],
        trigger_label: 'robot',
        memory: false,
        pr_watch: true,
        approvals: { push: true, tools: { commands: ['^git push'] } },
      });
    }
  });

  it('a blank field clears its setting', async () => {
    const saved = await admin.post('/repos/solo', {
      default_branch: 'main',
      memory: 'default',
      pr_watch: 'default',
      verify: 'on',
    });
    expect(saved.status).toBe(200);
    const api = await p.request('GET', '/v1/repos/solo');
    // Every trigger unchecked is an explicit "none"; everything else went back to its default.
    expect(api.body.data.settings).toEqual({ default_branch: 'main', github_triggers: [] });
  });

  it('an invalid approval rule is named as the API names it; the input is kept and nothing is saved', async () => {
    const before = (await p.request('GET', '/v1/repos/acme%2Fapp')).body.data.settings;
    const typed = '{"tools": {"commands": ["(unclosed"]}}';
    const res = await admin.post('/repos/acme/app', {
      test_command: 'make check',
      approvals: typed,
      verify: 'on',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<code>settings.approvals.tools.commands.0</code>');
    expect(res.text).toMatch(/id="f-approvals"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('{&quot;tools&quot;: {&quot;commands&quot;: [&quot;(unclosed&quot;]}}');
    expect(res.text).toContain('make check');
    const bad = await admin.post('/repos/acme/app', {
      approvals: '{not json',
      max_turns: 'many',
      verify: 'on',
    });
    expect(bad.status).toBe(400);
    expect(res.text).toContain('settings.approvals');
    expect((await p.request('GET', '/v1/repos/acme%2Fapp')).body.data.settings).toEqual(before);
    const turns = await admin.post('/repos/acme/app', { max_turns: 'many', verify: 'on' });
    expect(turns.status).toBe(400);
    expect(turns.text).toContain('<code>settings.max_turns</code>');
    expect(turns.text).toContain('value="many"');
  });

  it('escapes a repo command that holds markup', async () => {
    await p.request('PATCH', '/v1/repos/solo', { body: { settings: { test_command: `echo ${XSS}` } } });
    for (const b of [admin, member]) {
      const page = await b.get('/repos/solo');
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(XSS);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('a member sees the settings read-only and cannot change them', async () => {
    const page = await member.get('/repos/acme/app');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('action="/repos/acme/app"');
    const res = await member.post('/repos/acme/app', { test_command: 'rm -rf /', verify: 'on' });
    expect(res.status).toBe(403);
    expect((await p.request('GET', '/v1/repos/acme%2Fapp')).body.data.settings.test_command).toBe('npm test');
  });

  it('an unknown repo is a 404 page', async () => {
    const res = await admin.get('/repos/acme/nope');
    expect(res.status).toBe(404);
    expect(visibleText(res.text)).toContain('not onboarded');
  });
});

describe('/repos/{repo}/memory', () => {
  let rule: string;
  let fact: string;
  beforeAll(async () => {
    const add = async (body: Record<string, unknown>) => {
      const res = await p.request('POST', '/v1/repos/acme%2Fapp/memory', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data.id as string;
    };
    rule = await add({
      kind: 'review_rule',
      title: 'Escape <b>everything</b>',
      body: `Never trust ${XSS} in a body`,
      citations: [{ kind: 'file', path: 'src/<x>.ts', line: 3 }],
    });
    fact = await add({ kind: 'repo_knowledge', title: 'Tests run with vitest', body: 'npx vitest run' });
  });

  it('lists records with kind, citations, use count; escapes their text; filters by kind', async () => {
    const page = await admin.get('/repos/acme/app/memory');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(XSS);
    expect(page.text).not.toContain('<b>everything</b>');
    expect(page.text).toContain('Never trust &lt;script&gt;alert(1)&lt;/script&gt; in a body');
    expect(page.text).toContain('src/&lt;x&gt;.ts:3');
    const text = visibleText(page.text);
    expect(text).toContain('review_rule');
    expect(text).toContain('Used 0 times');
    expect(text).toContain('Tests run with vitest');
    const rules = await admin.get('/repos/acme/app/memory?kind=review_rule');
    expect(rules.text).toContain(`id="${rule}"`);
    expect(rules.text).not.toContain(`id="${fact}"`);
    const bad = await admin.get('/repos/acme/app/memory?kind=gossip');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('query.kind');
  });

  it('edits, pins, unpins and forgets through the forms; each needs the CSRF token', async () => {
    const edit = await admin.post(`/repos/acme/app/memory/${fact}/edit`, {
      title: 'Tests run with vitest, one file at a time',
      body: 'npx vitest run path/to/a.test.ts',
      back_kind: 'repo_knowledge',
    });
    expect(edit.status).toBe(303);
    expect(edit.headers.get('location')).toBe('/repos/acme/app/memory?done=edited&kind=repo_knowledge');
    let rec = (await p.request('GET', `/v1/repos/acme%2Fapp/memory/${fact}`)).body.data;
    expect(rec.title).toBe('Tests run with vitest, one file at a time');
    expect(rec.body).toBe('npx vitest run path/to/a.test.ts');
    expect(visibleText((await admin.get(edit.headers.get('location') as string)).text)).toContain(
      'Record saved.',
    );

    expect((await admin.post(`/repos/acme/app/memory/${fact}/pin`, {}, { csrf: null })).status).toBe(403);
    expect((await admin.post(`/repos/acme/app/memory/${fact}/pin`, {})).status).toBe(303);
    rec = (await p.request('GET', `/v1/repos/acme%2Fapp/memory/${fact}`)).body.data;
    expect(rec.pinned).toBe(true);
    expect((await admin.post(`/repos/acme/app/memory/${fact}/unpin`, {})).status).toBe(303);
    rec = (await p.request('GET', `/v1/repos/acme%2Fapp/memory/${fact}`)).body.data;
    expect(rec.pinned).toBe(false);

    expect((await admin.post(`/repos/acme/app/memory/${fact}/forget`, {}, { csrf: null })).status).toBe(403);
    expect((await p.request('GET', `/v1/repos/acme%2Fapp/memory/${fact}`)).status).toBe(200);
    expect((await admin.post(`/repos/acme/app/memory/${fact}/forget`, {})).status).toBe(303);
    expect((await p.request('GET', `/v1/repos/acme%2Fapp/memory/${fact}`)).status).toBe(404);
  });

  it('a bad edit shows the field and keeps what was typed; the record is unchanged', async () => {
    const res = await admin.post(`/repos/acme/app/memory/${rule}/edit`, {
      title: '   ',
      body: 'typed <i>body</i> kept',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<code>title</code>');
    expect(res.text).toContain('typed &lt;i&gt;body&lt;/i&gt; kept');
    expect(res.text).toMatch(
      new RegExp(
        `<details open><summary>Edit</summary>\\s*<form method="post" action="/repos/acme/app/memory/${rule}/edit"`,
      ),
    );
    const rec = (await p.request('GET', `/v1/repos/acme%2Fapp/memory/${rule}`)).body.data;
    expect(rec.title).toBe('Escape <b>everything</b>');
    const gone = await admin.post('/repos/acme/app/memory/mem_01ARZ3NDEKTSV4RRFFQ69G5FAV/pin', {});
    expect(gone.status).toBe(404);
    expect(visibleText(gone.text)).toContain('MEMORY_NOT_FOUND');
  });

  it('a member reads, adds and forgets their own preference, and changes nothing else', async () => {
    const page = await member.get('/repos/acme/app/memory');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`id="${rule}"`);
    expect(page.text).not.toContain(`/memory/${rule}/edit`);
    expect(page.text).not.toContain(`/memory/${rule}/forget`);
    expect((await member.post(`/repos/acme/app/memory/${rule}/pin`, {})).status).toBe(403);
    expect((await member.post(`/repos/acme/app/memory/${rule}/forget`, {})).status).toBe(403);
    const rule2 = await member.post('/repos/acme/app/memory', {
      kind: 'review_rule',
      title: 'Mine',
      body: 'No',
    });
    expect(rule2.status).toBe(403);
    expect(rule2.text).toContain('value="Mine"');

    const added = await member.post('/repos/acme/app/memory', {
      kind: 'user_preference',
      title: 'Short commit messages',
      body: 'One line, imperative.',
    });
    expect(added.status).toBe(303);
    const mine = (await p.request('GET', '/v1/repos/acme%2Fapp/memory?kind=user_preference')).body.data.find(
      (r: { title: string }) => r.title === 'Short commit messages',
    );
    expect(mine.user_id).toBe('mia');
    // Another member does not see it; its owner may forget it.
    const other = await signInBrowser(p.url, await p.userKey('otto'));
    expect((await other.get('/repos/acme/app/memory')).text).not.toContain(mine.id);
    expect((await member.post(`/repos/acme/app/memory/${mine.id}/forget`, {})).status).toBe(303);
    expect((await p.request('GET', `/v1/repos/acme%2Fapp/memory/${mine.id}`)).status).toBe(404);
  });

  it('serves a one-segment repo and refuses one that is not onboarded', async () => {
    expect((await admin.get('/repos/solo/memory')).status).toBe(200);
    const none = await admin.get('/repos/ghost/memory');
    expect(none.status).toBe(422);
    expect(visibleText(none.text)).toContain('REPO_NOT_ONBOARDED');
  });
});
