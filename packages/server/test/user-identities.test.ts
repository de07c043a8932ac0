import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSender } from '../src/channels/identities.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/** `GET/POST /v1/users/{user}/identities` and `DELETE .../{provider}/{external_id}` on a real platform. */
let p: TestPlatform;
let aliceKey: string;
let bobKey: string;

beforeAll(async () => {
  p = await startTestPlatform({}, { apiOnly: true });
  aliceKey = await p.userKey('alice');
  bobKey = await p.userKey('bob');
});
afterAll(async () => {
  await p?.platform.stop();
});

describe('linked identities over the API', () => {
  it('an admin links, lists and unlinks any user’s identities; a channel then resolves to the user', async () => {
    const linked = await p.request('POST', '/v1/users/alice/identities', {
      body: { provider: 'github', external_id: 'Alice-GH' },
    });
    expect(linked.status).toBe(201);
    expect(linked.body.data).toMatchObject({ provider: 'github', external_id: 'alice-gh', user_id: 'alice' });
    // Linking again is a no-op that says so (200, not 201).
    const again = await p.request('POST', '/v1/users/alice/identities', {
      body: { provider: 'github', external_id: 'alice-gh' },
    });
    expect(again.status).toBe(200);
    expect(
      (
        await p.request('POST', '/v1/users/alice/identities', {
          body: { provider: 'slack', external_id: 'T0001:U0002' },
        })
      ).status,
    ).toBe(201);
    const listed = await p.request('GET', '/v1/users/alice/identities');
    expect(listed.status).toBe(200);
    expect(
      listed.body.data.map(
        (i: { provider: string; external_id: string }) => `${i.provider}:${i.external_id}`,
      ),
    ).toEqual(['github:alice-gh', 'slack:T0001:U0002']);
    expect(await resolveSender(p.platform.db, 'slack', 'T0001:U0002', undefined)).toEqual({
      kind: 'linked',
      userId: 'alice',
    });
    const unlinked = await p.request('DELETE', '/v1/users/alice/identities/slack/T0001:U0002');
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.data).toMatchObject({
      provider: 'slack',
      external_id: 'T0001:U0002',
      user_id: 'alice',
    });
    expect(await resolveSender(p.platform.db, 'slack', 'T0001:U0002', undefined)).toEqual({
      kind: 'unlinked',
    });
  });

  it('refuses an identity already linked to another user (409 IDENTITY_TAKEN), naming the user', async () => {
    const taken = await p.request('POST', '/v1/users/bob/identities', {
      body: { provider: 'github', external_id: 'ALICE-gh' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('IDENTITY_TAKEN');
    expect(taken.body.error.message).toContain('user alice');
    const asBob = await p.request('POST', '/v1/users/bob/identities', {
      key: bobKey,
      body: { provider: 'github', external_id: 'alice-gh' },
    });
    // A member links nothing, so learns nothing about who holds a login.
    expect(asBob.status).toBe(403);
    expect(asBob.body.error.message).not.toContain('alice');
  });

  it('lets a member list and unlink their own identities only, and link none', async () => {
    const self = await p.request('POST', '/v1/users/bob/identities', {
      key: bobKey,
      body: { provider: 'github', external_id: 'bob-gh' },
    });
    // Nothing proves bob owns that login: only an admin links.
    expect(self.status).toBe(403);
    expect(self.body.error.message).toContain('abca users link');
    const own = await p.request('POST', '/v1/users/bob/identities', {
      body: { provider: 'github', external_id: 'bob-gh' },
    });
    expect(own.status).toBe(201);
    expect((await p.request('GET', '/v1/users/bob/identities', { key: bobKey })).body.data).toHaveLength(1);
    for (const [method, path, body] of [
      ['GET', '/v1/users/alice/identities', undefined],
      ['POST', '/v1/users/alice/identities', { provider: 'github', external_id: 'x' }],
      ['DELETE', '/v1/users/alice/identities/github/alice-gh', undefined],
    ] as const) {
      const res = await p.request(method, path, { key: bobKey, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    // Alice's link is still there.
    expect((await p.request('GET', '/v1/users/alice/identities', { key: aliceKey })).body.data).toHaveLength(
      1,
    );
  });

  it('answers bad input with its 4xx and code, never a 5xx', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/v1/users/nobody/identities', undefined, 404, 'USER_NOT_FOUND'],
      [
        'POST',
        '/v1/users/nobody/identities',
        { provider: 'github', external_id: 'x' },
        404,
        'USER_NOT_FOUND',
      ],
      ['DELETE', '/v1/users/nobody/identities/github/x', undefined, 404, 'USER_NOT_FOUND'],
      ['DELETE', '/v1/users/alice/identities/github/never-linked', undefined, 404, 'IDENTITY_NOT_FOUND'],
      ['DELETE', '/v1/users/bob/identities/github/alice-gh', undefined, 404, 'IDENTITY_NOT_FOUND'],
      ['DELETE', '/v1/users/alice/identities/gitlab/x', undefined, 400, 'VALIDATION_ERROR'],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'gitlab', external_id: 'x' },
        400,
        'VALIDATION_ERROR',
      ],
      ['POST', '/v1/users/alice/identities', { provider: 'github' }, 400, 'VALIDATION_ERROR'],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'github', external_id: '' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'github', external_id: 'a b' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'github', external_id: 'abca[bot]' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'github', external_id: 'bad--login' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'slack', external_id: 'U0002' },
        400,
        'VALIDATION_ERROR',
      ],
      [
        'POST',
        '/v1/users/alice/identities',
        { provider: 'github', external_id: 'x', extra: 1 },
        400,
        'VALIDATION_ERROR',
      ],
      ['POST', '/v1/users/alice/identities', ['github'], 400, 'VALIDATION_ERROR'],
      [
        'POST',
        '/v1/users/bad%20user/identities',
        { provider: 'github', external_id: 'x' },
        400,
        'VALIDATION_ERROR',
      ],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await p.request(method, path, body === undefined ? {} : { body });
      expect([res.status, res.body?.error?.code], `${method} ${path} ${JSON.stringify(body)}`).toEqual([
        status,
        code,
      ]);
    }
    const notJson = await p.request('POST', '/v1/users/alice/identities', {
      rawBody: 'provider=github',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);
    const noKey = await p.request('GET', '/v1/users/alice/identities', { key: null });
    expect(noKey.status).toBe(401);
  });
});
