import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from './support/api-routes.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Walks every route the API has (read from the app, so tomorrow's routes are walked too) and sends
 * each text PostgreSQL cannot store, in each place a route can read text from: a path parameter, the
 * query, the JSON body. Every one must be a 400 naming the place, from the one input guard; none may
 * reach a route (where it used to be a 500 from the database).
 */
let p: TestPlatform;
let taskId: string;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  p = await startTestPlatform({}, { apiOnly: true });
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } });
  taskId = (await p.request('POST', '/v1/tasks', { body: { repo: 'acme/app', task_description: 'ok' } })).body
    .data.task_id;
  // The API under /v1; /healthz, /readyz and /metrics read no input (the fuzz still sends them some).
  // Signed webhook deliveries (POST /v1/webhooks/tasks) are not behind the guard: nothing reads
  // them before their signature holds, and their bad input is tested in webhooks.test.ts.
  routes = apiRoutes(p.platform.config).filter(
    (r) => r.path.startsWith('/v1/') && !(r.path.startsWith('/v1/webhooks') && r.path.endsWith('/tasks')),
  );
});
afterAll(async () => {
  await p?.platform.stop();
});

/** A route's path with real values in its parameters (or `bad` in the one named `only`). */
function fill(path: string, bad?: { only: string; value: string }): string {
  return path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    if (bad?.only === name) return bad.value;
    if (name === 'owner') return 'acme';
    if (name === 'name') return 'app';
    if (name === 'repo') return 'acme%2Fapp';
    if (name === 'number') return '1';
    if (name === 'id' && path.startsWith('/v1/api-keys')) return '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    return taskId;
  });
}

const withBody = (method: string) => method !== 'GET' && method !== 'HEAD';

function expectRefused(res: { status: number; body: any }, field: string, what: RegExp, label: string) {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.error.code, label).toBe('VALIDATION_ERROR');
  expect(res.body.error.details, label).toEqual([{ field, message: expect.stringMatching(what) }]);
}

describe('the input guard covers every route', () => {
  it('knows the routes it walks', () => {
    // A floor, not a list: new routes only add to it.
    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(routes).toContainEqual({ method: 'POST', path: '/v1/api-keys' });
    expect(routes).toContainEqual({ method: 'POST', path: '/v1/tasks' });
  });

  it('refuses a NUL character in any path parameter', async () => {
    let walked = 0;
    for (const r of routes.filter((r) => r.path.includes(':'))) {
      for (const param of r.path.match(/:([A-Za-z_]+)/g) ?? []) {
        const path = fill(r.path, { only: param.slice(1), value: 'a%00b' });
        const res = await p.request(r.method, path, withBody(r.method) ? { body: {} } : {});
        expectRefused(res, 'path', /NUL/, `${r.method} ${path}`);
        walked++;
      }
    }
    expect(walked).toBeGreaterThan(5);
  });

  it('refuses a NUL character or a malformed escape in the query of every route', async () => {
    for (const r of routes) {
      for (const [query, field, what] of [
        ['task_id=a%00b', 'query.task_id', /NUL/],
        ['a%00=1', 'query.a\\u0000', /NUL/],
        ['repo=%E0%A4%A', 'query.repo', /percent-encoding/],
      ] as const) {
        const path = `${fill(r.path)}?${query}`;
        const res = await p.request(r.method, path, withBody(r.method) ? { body: {} } : {});
        expectRefused(res, field, what, `${r.method} ${path}`);
      }
    }
  });

  it('refuses a NUL character, an unpaired surrogate or invalid UTF-8 in the body of every route that takes one', async () => {
    for (const r of routes.filter((r) => withBody(r.method))) {
      const path = fill(r.path);
      for (const [raw, field, what] of [
        [Buffer.from('{"name":"a\\u0000b"}'), 'name', /NUL/],
        [Buffer.from('{"settings":{"test_command":"npm \\u0000test"}}'), 'settings.test_command', /NUL/],
        [Buffer.from('{"list":["ok","x\\ud800"]}'), 'list.1', /unpaired surrogate/],
        [Buffer.from('{"a\\u0000":1}'), 'a\\u0000', /NUL/],
        [
          Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
          '(body)',
          /UTF-8/,
        ],
        [
          Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
          '(body)',
          /UTF-8/,
        ],
      ] as const) {
        const res = await fetch(`${p.url}${path}`, {
          method: r.method,
          headers: { authorization: `Bearer ${p.adminKey}`, 'content-type': 'application/json' },
          body: raw,
        });
        expectRefused(
          { status: res.status, body: await res.json() },
          field,
          what,
          `${r.method} ${path} ${raw}`,
        );
      }
    }
  });

  it('refuses a malformed escape anywhere in the path', async () => {
    for (const path of ['/v1/tasks/%E0%A4%A', '/v1/repos/%ZZ', '/v1/repos/acme%2F%C0%80']) {
      expectRefused(await p.request('GET', path), 'path', /percent-encoding/, path);
    }
  });

  it('still lets every well-formed text through, emoji and all', async () => {
    const res = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/app', task_description: 'Fix the ✓ check 🚀 (ü, 中文, \t tab)' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const got = await p.request('GET', `/v1/tasks/${res.body.data.task_id}`);
    expect(got.body.data.task_description).toBe('Fix the ✓ check 🚀 (ü, 中文, \t tab)');
  });
});
