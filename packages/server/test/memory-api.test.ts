import { MemoryExportLine, MemoryRecord } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresMemory } from '../src/adapters/memory/postgres.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * `/v1/repos/{repo}/memory` on the real platform (real HTTP, real PostgreSQL): people list, read,
 * add, edit, forget, pin, export and import a repo's memory; members read and keep their own
 * preferences; bad input is a typed 4xx and an import with one bad line stores nothing.
 */
let p: TestPlatform;
let mia: string;
let sam: string;
const M = '/v1/repos/acme%2Fapp/memory';
const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

const rule = (title: string, body: string, extra: Record<string, unknown> = {}) => ({
  kind: 'review_rule',
  title,
  body,
  category: 'style',
  ...extra,
});
const ndjson = (lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const importLines = (repoPath: string, text: string, key?: string, type = 'application/x-ndjson') =>
  p.request('POST', `${repoPath}/import`, {
    rawBody: text,
    headers: { 'content-type': type },
    ...(key ? { key } : {}),
  });
const count = async (repoPath: string) => {
  const res = await p.request('GET', `${repoPath}?limit=200&include_superseded=true`);
  expect(res.status).toBe(200);
  return res.body.data.length as number;
};

beforeAll(async () => {
  p = await startTestPlatform({}, { apiOnly: true });
  for (const repo of ['acme/app', 'acme/copy', 'solo', 'tools/memory'])
    expect((await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' } } })).status).toBe(
      201,
    );
  mia = await p.userKey('mia');
  sam = await p.userKey('sam');
});
afterAll(async () => {
  await p?.platform.stop();
});

describe('memory API: admins', () => {
  it('adds, shows, lists, edits, pins, unpins and forgets a record', async () => {
    const added = await p.request('POST', M, {
      body: rule('Use the repo logger', 'Log with src/log.ts, never console.log.', {
        citations: [{ kind: 'file', path: 'src/log.ts', line: 3 }],
      }),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const rec = MemoryRecord.parse(added.body.data);
    expect(rec).toMatchObject({
      repo: 'acme/app',
      kind: 'review_rule',
      user_id: null,
      category: 'style',
      pinned: false,
      provenance: { source: 'person', by: 'admin' },
      citations: [{ kind: 'file', path: 'src/log.ts', line: 3 }],
    });
    expect(rec.id).toMatch(/^mem_[0-9A-Z]{26}$/);
    expect(added.headers.get('location')).toBe(`/v1/repos/acme%2Fapp/memory/${rec.id}`);

    // Both spellings of the repo reach the same record.
    for (const path of [`${M}/${rec.id}`, `/v1/repos/acme/app/memory/${rec.id}`]) {
      const shown = await p.request('GET', path);
      expect(shown.status, path).toBe(200);
      expect(shown.body.data).toEqual(rec);
    }

    const edited = await p.request('PATCH', `${M}/${rec.id}`, { body: { body: 'Log with src/log.ts.' } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.data).toMatchObject({
      id: rec.id,
      title: 'Use the repo logger',
      body: 'Log with src/log.ts.',
    });

    const pinned = await p.request('POST', `/v1/repos/acme/app/memory/${rec.id}/pin`);
    expect(pinned.body.data.pinned).toBe(true);
    expect((await p.request('GET', `${M}/${rec.id}`)).body.data.pinned).toBe(true);
    const unpinned = await p.request('POST', `${M}/${rec.id}/unpin`);
    expect(unpinned.body.data.pinned).toBe(false);

    const gone = await p.request('DELETE', `${M}/${rec.id}`);
    expect(gone.status).toBe(200);
    expect(gone.body.data).toEqual({ id: rec.id, forgotten: true });
    for (const [method, path] of [
      ['GET', `${M}/${rec.id}`],
      ['DELETE', `${M}/${rec.id}`],
      ['POST', `${M}/${rec.id}/pin`],
      ['PATCH', `${M}/${rec.id}`],
    ] as const) {
      const res = await p.request(method, path, method === 'PATCH' ? { body: { title: 'x' } } : {});
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('MEMORY_NOT_FOUND');
    }
  });

  it('lists newest first, by kind and by search, a page at a time', async () => {
    const repo = '/v1/repos/solo/memory';
    const ids: string[] = [];
    for (const [kind, title] of [
      ['repo_knowledge', 'Tests run with npm run test:unit'],
      ['review_rule', 'Prefer early returns'],
      ['review_rule', 'Name migrations with a number'],
    ] as const) {
      const res = await p.request('POST', repo, { body: { kind, title, body: `${title}.` } });
      expect(res.status).toBe(201);
      ids.push(res.body.data.id);
    }
    const all = await p.request('GET', repo);
    expect(all.body.data.map((r: MemoryRecord) => r.id)).toEqual([...ids].reverse());
    expect(all.body.pagination).toEqual({ next_token: null, has_more: false });

    const rules = await p.request('GET', `${repo}?kind=review_rule`);
    expect(rules.body.data.map((r: MemoryRecord) => r.title)).toEqual([
      'Name migrations with a number',
      'Prefer early returns',
    ]);
    const found = await p.request('GET', `${repo}?q=${encodeURIComponent('migrations')}`);
    expect(found.body.data.map((r: MemoryRecord) => r.id)).toEqual([ids[2]]);

    const first = await p.request('GET', `${repo}?limit=2`);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.pagination.has_more).toBe(true);
    const second = await p.request('GET', `${repo}?limit=2&next_token=${first.body.pagination.next_token}`);
    expect(second.body.data.map((r: MemoryRecord) => r.id)).toEqual([ids[0]]);
    expect(second.body.pagination.has_more).toBe(false);
    const byId = await p.request('GET', `${repo}?before=${ids[1]}`);
    expect(byId.body.data.map((r: MemoryRecord) => r.id)).toEqual([ids[0]]);
  });

  it('does not store the same record twice, and keeps secrets out of what it stores', async () => {
    const body = rule('Never commit tokens', `Like ${TOKEN} in a config file.`);
    const a = await p.request('POST', M, { body });
    const b = await p.request('POST', M, { body: { ...body, title: '  never commit TOKENS ' } });
    expect(a.status).toBe(201);
    expect(b.body.data.id).toBe(a.body.data.id);
    expect(a.body.data.body).toBe('Like [REDACTED] in a config file.');
    const patched = await p.request('PATCH', `${M}/${a.body.data.id}`, {
      body: {
        title: `Rotate ${TOKEN}`,
        citations: [{ kind: 'review_comment', pr: 3, comment_id: '9', author: 'rev', quote: `saw ${TOKEN}` }],
      },
    });
    expect(JSON.stringify(patched.body)).not.toContain(TOKEN);
    expect(patched.body.data.title).toBe('Rotate [REDACTED]');
  });

  it('reaches a repo named x/memory as before (the repo route still answers)', async () => {
    const res = await p.request('GET', '/v1/repos/tools/memory');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.repo).toBe('tools/memory');
    const its = await p.request('GET', '/v1/repos/tools/memory/memory');
    expect(its.status).toBe(200);
    expect(its.body.data).toEqual([]);
  });

  it('the per-repo switch round-trips through PATCH /v1/repos/{repo}', async () => {
    const off = await p.request('PATCH', '/v1/repos/acme%2Fcopy', { body: { settings: { memory: false } } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.data.settings.memory).toBe(false);
    expect((await p.request('GET', '/v1/repos/acme/copy')).body.data.settings.memory).toBe(false);
    const on = await p.request('PATCH', '/v1/repos/acme%2Fcopy', { body: { settings: { memory: true } } });
    expect(on.body.data.settings.memory).toBe(true);
    const unset = await p.request('PATCH', '/v1/repos/acme%2Fcopy', { body: { settings: { memory: null } } });
    expect(unset.body.data.settings.memory).toBeUndefined();
    const bad = await p.request('PATCH', '/v1/repos/acme%2Fcopy', { body: { settings: { memory: 'off' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('settings.memory');
  });
});

describe('memory API: members', () => {
  it('read the memory, add and forget their own preferences, and change nothing else', async () => {
    const rec = (await p.request('POST', M, { body: rule('Small PRs', 'Keep PRs under 400 lines.') })).body
      .data;
    const listed = await p.request('GET', M, { key: mia });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: MemoryRecord) => r.id)).toContain(rec.id);
    expect((await p.request('GET', `${M}/${rec.id}`, { key: mia })).status).toBe(200);

    for (const [method, path, body] of [
      ['POST', M, rule('Mine', 'Members do not add rules.')],
      ['PATCH', `${M}/${rec.id}`, { title: 'changed' }],
      ['DELETE', `${M}/${rec.id}`, undefined],
      ['POST', `${M}/${rec.id}/pin`, undefined],
      ['POST', `${M}/${rec.id}/unpin`, undefined],
      ['POST', M, { kind: 'user_preference', title: 'For sam', body: 'Tabs.', user_id: 'sam' }],
    ] as const) {
      const res = await p.request(method, path, { key: mia, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const refused = await importLines(
      M,
      ndjson([{ ...rule('x', 'y'), provenance: { source: 'person' } }]),
      mia,
    );
    expect(refused.status).toBe(403);

    const pref = await p.request('POST', M, {
      key: mia,
      body: { kind: 'user_preference', title: 'Short commit messages', body: 'One line, imperative.' },
    });
    expect(pref.status, JSON.stringify(pref.body)).toBe(201);
    expect(pref.body.data).toMatchObject({ user_id: 'mia', provenance: { source: 'person', by: 'mia' } });
    // Another member does not see it; an admin does.
    expect((await p.request('GET', `${M}/${pref.body.data.id}`, { key: sam })).body.error.code).toBe(
      'MEMORY_NOT_FOUND',
    );
    const samList = await p.request('GET', `${M}?kind=user_preference`, { key: sam });
    expect(samList.body.data).toEqual([]);
    expect((await p.request('GET', `${M}/${pref.body.data.id}`)).status).toBe(200);
    expect((await p.request('DELETE', `${M}/${pref.body.data.id}`, { key: sam })).status).toBe(404);
    const forgotten = await p.request('DELETE', `${M}/${pref.body.data.id}`, { key: mia });
    expect(forgotten.status).toBe(200);
  });
});

describe('memory API: bad input', () => {
  const cases: {
    name: string;
    method: string;
    path: string;
    body?: unknown;
    status: number;
    code: string;
    field?: string;
  }[] = [
    {
      name: 'an unknown repo',
      method: 'GET',
      path: '/v1/repos/nope%2Fnope/memory',
      status: 422,
      code: 'REPO_NOT_ONBOARDED',
    },
    {
      name: 'an unknown repo (owner/name)',
      method: 'POST',
      path: '/v1/repos/nope/nope/memory',
      body: rule('a', 'b'),
      status: 422,
      code: 'REPO_NOT_ONBOARDED',
    },
    {
      name: 'a malformed record id',
      method: 'GET',
      path: `${M}/task_1`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'id',
    },
    {
      name: 'a lower-case id',
      method: 'DELETE',
      path: `${M}/mem_01arz3ndektsv4rrffq69g5fav`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'id',
    },
    {
      name: 'an unknown record',
      method: 'GET',
      path: `${M}/mem_01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      status: 404,
      code: 'MEMORY_NOT_FOUND',
    },
    {
      name: 'an episode by hand',
      method: 'POST',
      path: M,
      body: { kind: 'episode', title: 't', body: 'b' },
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'kind',
    },
    {
      name: 'an unknown kind',
      method: 'POST',
      path: M,
      body: { kind: 'secret', title: 't', body: 'b' },
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'kind',
    },
    {
      name: 'an empty title',
      method: 'POST',
      path: M,
      body: rule('  ', 'b'),
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'title',
    },
    {
      name: 'a body too long',
      method: 'POST',
      path: M,
      body: rule('t', 'x'.repeat(8001)),
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'body',
    },
    {
      name: 'a user on a rule',
      method: 'POST',
      path: M,
      body: rule('t', 'b', { user_id: 'mia' }),
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'user_id',
    },
    {
      name: 'an unknown field',
      method: 'POST',
      path: M,
      body: rule('t', 'b', { permissions: 'admin' }),
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'permissions',
    },
    {
      name: 'a bad citation',
      method: 'POST',
      path: M,
      body: rule('t', 'b', { citations: [{ kind: 'file', path: '' }] }),
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'citations.0.path',
    },
    {
      name: 'an empty edit',
      method: 'PATCH',
      path: `${M}/mem_01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      body: {},
      status: 404,
      code: 'MEMORY_NOT_FOUND',
    },
    {
      name: 'an unknown kind filter',
      method: 'GET',
      path: `${M}?kind=secret`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'query.kind',
    },
    {
      name: 'a limit too large',
      method: 'GET',
      path: `${M}?limit=100000`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'query.limit',
    },
    {
      name: 'a forged next_token',
      method: 'GET',
      path: `${M}?next_token=${Buffer.from('{"before":"x"}').toString('base64url')}`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'query.next_token',
    },
    {
      name: 'an unknown query',
      method: 'GET',
      path: `${M}?owner=x`,
      status: 400,
      code: 'VALIDATION_ERROR',
      field: 'query.owner',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const res = await p.request(c.method, c.path, c.body !== undefined ? { body: c.body } : {});
      expect(res.status, JSON.stringify(res.body)).toBe(c.status);
      expect(res.body.error.code).toBe(c.code);
      expect(res.body.error.message.length).toBeGreaterThan(5);
      if (c.field) expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(c.field);
    });
  }
  it('an empty edit of a record names what to give', async () => {
    const rec = (await p.request('POST', M, { body: rule('Edit me', 'Something.') })).body.data;
    const res = await p.request('PATCH', `${M}/${rec.id}`, { body: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/at least one field/);
  });
});

describe('memory export and import (JSON lines)', () => {
  it('exports a repo as JSON lines and imports them into another, once', async () => {
    // A record a writer stored under its own dedupe key (as a rule from a review comment is).
    const learnt = await createPostgresMemory(p.platform.db).add({
      repo: 'acme/app',
      kind: 'review_rule',
      title: 'Validate input with "zod", not -any casts',
      body: 'Parse request bodies with the zod schema of contracts.',
      category: 'design',
      citations: [{ kind: 'review_comment', pr: 4, comment_id: '77', author: 'rita', quote: 'use zod here' }],
      provenance: { source: 'review', task_id: 'task_1' },
      dedupeKey: 'review:77',
    });
    await p.request('POST', M, {
      key: mia,
      body: { kind: 'user_preference', title: 'Mia likes tabs', body: 'Indent with tabs.' },
    });
    const res = await fetch(`${p.url}${M}/export`, { headers: { authorization: `Bearer ${p.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toContain('acme-app-memory.jsonl');
    const text = await res.text();
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => MemoryExportLine.parse(JSON.parse(l)));
    const current = (await p.request('GET', `${M}?limit=200`)).body.data as MemoryRecord[];
    expect(lines.map((l) => l.title)).toEqual(current.map((r) => r.title));
    expect(lines.find((l) => l.title === learnt.title)).toMatchObject({ provenance: { source: 'review' } });
    expect(text).not.toContain(TOKEN);

    // A member's export leaves out other people's preferences.
    const samExport = await (
      await fetch(`${p.url}${M}/export`, { headers: { authorization: `Bearer ${sam}` } })
    ).text();
    expect(samExport).not.toContain('Mia likes tabs');
    expect(samExport).toContain(JSON.stringify(learnt.title));

    const copy = '/v1/repos/acme/copy/memory';
    const first = await importLines(copy, text);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data).toEqual({ lines: lines.length, added: lines.length, skipped: 0 });
    const imported = (await p.request('GET', `${copy}?limit=200`)).body.data as MemoryRecord[];
    expect(imported.map((r) => r.title).sort()).toEqual(lines.map((l) => l.title).sort());
    expect(imported.find((r) => r.title === learnt.title)).toMatchObject({
      provenance: { source: 'import', by: 'admin', task_id: 'task_1' },
      category: 'design',
      citations: learnt.citations,
    });
    expect(imported.find((r) => r.title === 'Mia likes tabs')?.user_id).toBe('mia');

    // Again, into the copy and into the repo it came from: nothing is stored twice.
    const again = await importLines(copy, text);
    expect(again.body.data).toEqual({ lines: lines.length, added: 0, skipped: lines.length });
    const home = await importLines(M, text);
    expect(home.body.data).toMatchObject({ added: 0, skipped: lines.length });
    expect(await count(copy)).toBe(lines.length);
  });

  it('refuses a file with one bad line and stores nothing of it', async () => {
    const target = '/v1/repos/tools%2Fmemory/memory';
    const good = { ...rule('Good rule', 'A fine rule.'), provenance: { source: 'person' } };
    const cases: [string, string, string][] = [
      [
        ndjson([good, '', { ...good, title: 'Other' }, { ...good, title: undefined, body: 'no title' }]),
        'line.4.title',
        'a missing title',
      ],
      [ndjson([good, '{"kind": "review_rule",']), 'line.2', 'a line that is not JSON'],
      [ndjson([good, '[1,2]']), 'line.2', 'a line that is an array'],
      [ndjson([good, { ...good, title: 'x', kind: 'secret' }]), 'line.2.kind', 'an unknown kind'],
      [ndjson([good, { ...good, title: 'x', pinned: 'yes' }]), 'line.2.pinned', 'a wrong type'],
      [
        ndjson([good, { ...good, title: 'x', permissions: 'admin' }]),
        'line.2.permissions',
        'an unknown field',
      ],
      [ndjson([good, { ...good, title: 'x\u0000y' }]), 'line.2.title', 'a NUL character'],
      [
        ndjson([good, { ...good, title: 'x', kind: 'user_preference' }]),
        'line.2.user_id',
        'a preference of nobody',
      ],
      [ndjson([good, { ...good, title: 'x', user_id: 'mia' }]), 'line.2.user_id', 'a rule of a user'],
      [
        ndjson([good, { ...good, title: 'x', provenance: { source: 'oracle' } }]),
        'line.2.provenance.source',
        'a bad provenance',
      ],
      ['\n  \n', '(body)', 'no records'],
    ];
    for (const [body, field, name] of cases) {
      const res = await importLines(target, body);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.code, name).toBe('VALIDATION_ERROR');
      expect(
        res.body.error.details.map((d: { field: string }) => d.field),
        name,
      ).toContain(field);
      expect(await count(target), name).toBe(0);
    }
    const notUtf8 = await fetch(`${p.url}${target}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.adminKey}`, 'content-type': 'application/x-ndjson' },
      body: Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff]), Buffer.from('"}')]),
    });
    expect(notUtf8.status).toBe(400);
    const asJson = await importLines(target, JSON.stringify(good), undefined, 'application/json');
    expect(asJson.status).toBe(415);
    expect(asJson.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const asText = await importLines(target, JSON.stringify(good), undefined, 'text/plain');
    expect(asText.status).toBe(415);
    const huge = await importLines(
      target,
      `${JSON.stringify(good)}\n`.repeat(Math.ceil((8 * 1024 * 1024) / 90)),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await count(target)).toBe(0);
    const ok = await importLines(
      target,
      ndjson([good, { ...good, title: 'Good rule' }, { ...good, title: 'Second' }]),
    );
    expect(ok.body.data).toEqual({ lines: 3, added: 2, skipped: 1 });
  });
});
