import { EnvCacheCleared, EnvCacheList } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeEnvCacheAdmin, type FakeEnvCacheAdmin } from './support/fake-env-cache-admin.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The environment cache's operator surfaces on a real API (real keys, real routing): an admin lists
 * and clears snapshots, by repo or all; a member is refused; bad queries are 400s that name the
 * field; the metrics read the cache's size at scrape time. The cache behind the port is a fake.
 */
let p: TestPlatform;
let cache: FakeEnvCacheAdmin;

beforeAll(async () => {
  cache = createFakeEnvCacheAdmin({ maxBytes: 5 * 1024 ** 3 });
  p = await startTestPlatform({}, { apiOnly: true, envCache: cache });
});
afterAll(async () => {
  await p?.platform.stop();
});

describe('/v1/admin/env-cache', () => {
  it('lists the snapshots, most recently used first, with their total beside the cap; by repo too', async () => {
    const a1 = cache.add({ repo: 'acme/app', bytes: 3000, last_used_at: '2026-01-02T10:00:00.000Z' });
    const b1 = cache.add({ repo: 'acme/web', bytes: 5000, last_used_at: '2026-01-03T10:00:00.000Z' });
    const a2 = cache.add({ repo: 'acme/app', bytes: 700, last_used_at: '2026-01-04T10:00:00.000Z' });

    const all = await p.request('GET', '/v1/admin/env-cache');
    expect(all.status).toBe(200);
    const list = EnvCacheList.parse(all.body.data);
    expect(list.entries.map((e) => e.key)).toEqual([a2.key, b1.key, a1.key]);
    expect(list).toMatchObject({ total_bytes: 8700, max_bytes: 5 * 1024 ** 3, enabled: true });

    const one = await p.request('GET', '/v1/admin/env-cache?repo=acme/app');
    expect(one.status).toBe(200);
    expect(one.body.data.entries.map((e: { key: string }) => e.key)).toEqual([a2.key, a1.key]);
    expect(one.body.data.total_bytes).toBe(3700);
    expect(cache.calls.at(-1)).toEqual({ op: 'list', repo: 'acme/app' });
  });

  it('clears one repo, then all, and says what was removed', async () => {
    const before = (await p.request('GET', '/v1/admin/env-cache')).body.data.entries.length;
    expect(before).toBeGreaterThan(0);
    const cleared = await p.request('DELETE', '/v1/admin/env-cache?repo=acme/app');
    expect(cleared.status).toBe(200);
    expect(EnvCacheCleared.parse(cleared.body.data)).toEqual({ removed: 2, bytes: 3700 });
    const left = (await p.request('GET', '/v1/admin/env-cache')).body.data;
    expect(left.entries.map((e: { repo: string }) => e.repo)).toEqual(['acme/web']);

    const all = await p.request('DELETE', '/v1/admin/env-cache');
    expect(all.body.data).toEqual({ removed: 1, bytes: 5000 });
    expect((await p.request('GET', '/v1/admin/env-cache')).body.data).toMatchObject({
      entries: [],
      total_bytes: 0,
    });
    // Nothing left: a second clear removes nothing, and is not an error.
    expect((await p.request('DELETE', '/v1/admin/env-cache')).body.data).toEqual({ removed: 0, bytes: 0 });
  });

  it('refuses a member (403) and no key (401), and touches nothing', async () => {
    cache.add({ repo: 'acme/app' });
    const calls = cache.calls.length;
    const member = await p.userKey('dev');
    for (const method of ['GET', 'DELETE']) {
      const res = await p.request(method, '/v1/admin/env-cache', { key: member });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect((await p.request(method, '/v1/admin/env-cache', { key: null })).status).toBe(401);
    }
    expect(cache.calls.length).toBe(calls);
    expect((await p.request('GET', '/v1/admin/env-cache')).body.data.entries).toHaveLength(1);
  });

  it('answers a bad query with a 400 naming the field, and removes nothing', async () => {
    const calls = cache.calls.length;
    for (const [method, query, field] of [
      ['DELETE', 'repo=acme%2Fapp%3Brm', 'query.repo'],
      ['DELETE', 'repo=', 'query.repo'],
      ['GET', 'repo=a/b/c', 'query.repo'],
      ['DELETE', 'repository=acme/app', 'query.repository'],
      ['GET', `repo=${'x'.repeat(201)}`, 'query.repo'],
    ] as const) {
      const res = await p.request(method, `/v1/admin/env-cache?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details[0].field).toBe(field);
    }
    expect(cache.calls.length).toBe(calls);
    expect((await p.request('GET', '/v1/admin/env-cache')).body.data.entries).toHaveLength(1);
  });

  it('reports the cache size and lookups as metrics, read at scrape time', async () => {
    await p.request('DELETE', '/v1/admin/env-cache');
    cache.add({ repo: 'acme/app', bytes: 4096 });
    cache.add({ repo: 'acme/web', bytes: 1000 });
    const text = (await p.request('GET', '/metrics')).body as string;
    expect(text).toMatch(/^abca_env_cache_bytes 5096$/m);
    expect(text).toMatch(/^abca_env_cache_entries 2$/m);
    // Counted by the tasks (env-cache-npm.test.ts sees it move); declared from the start.
    expect(text).toMatch(/^# TYPE abca_env_cache_lookups_total counter$/m);
    await p.request('DELETE', '/v1/admin/env-cache?repo=acme/web');
    const after = (await p.request('GET', '/metrics')).body as string;
    expect(after).toMatch(/^abca_env_cache_bytes 4096$/m);
    expect(after).toMatch(/^abca_env_cache_entries 1$/m);
  });
});
