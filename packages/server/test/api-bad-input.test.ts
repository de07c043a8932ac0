import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/ops/logger.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let p: TestPlatform;
let member: string;
let existing: string;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  p = await startTestPlatform(
    { ABCA_REQUEST_READ_TIMEOUT_S: '2' },
    { log: createLogger({ level: 'debug', stream }) },
  );
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } });
  member = await p.userKey('mia');
  existing = (
    await p.request('POST', '/v1/tasks', { key: member, body: { repo: 'acme/app', task_description: 'ok' } })
  ).body.data.task_id;
  await p.waitFor(existing, (t) => t.status === 'COMPLETED');
});
afterAll(async () => {
  await p?.platform.stop();
});

const ok = { repo: 'acme/app', task_description: 'Fix it' };
type Case = {
  name: string;
  method: string;
  path: string | (() => string);
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  key?: string | null | (() => string);
  status: number;
  code: string;
  field?: string;
};

const cases: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: '{"repo": "acme/app",',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: '(body)',
  },
  {
    name: 'a JSON array',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: '[1,2]',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'an empty body',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: '',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'not JSON at all',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: 'repo=acme',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'wrong type for max_turns',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, max_turns: 'ten' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'max_turns',
  },
  {
    name: 'max_turns out of range',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, max_turns: 501 },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'max_turns',
  },
  {
    name: 'max_budget_usd too small',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, max_budget_usd: 0.001 },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'max_budget_usd',
  },
  {
    name: 'an unknown field',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, colour: 'blue' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'colour',
  },
  {
    name: 'no repo',
    method: 'POST',
    path: '/v1/tasks',
    body: { task_description: 'x' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'repo',
  },
  {
    name: 'a bad repo name',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, repo: 'a b/c' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'repo',
  },
  {
    name: 'nothing to do',
    method: 'POST',
    path: '/v1/tasks',
    body: { repo: 'acme/app', forge: { kind: 'fake' } },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'task_description',
  },
  {
    name: 'a description over 10k characters',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, task_description: 'x'.repeat(10_001) },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'task_description',
  },
  {
    name: 'an unknown workflow',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, workflow_ref: 'coding/nope-v9' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'workflow_ref',
  },
  {
    name: 'a PR workflow without pr_number',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, workflow_ref: 'coding/pr-iteration-v1' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'pr_number',
  },
  {
    name: 'a negative issue number',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, issue_number: -3 },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'issue_number',
  },
  {
    name: 'a body over 1 MB',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: JSON.stringify({ ...ok, task_description: 'x'.repeat(1_100_000) }),
    headers: { 'content-type': 'application/json' },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a repo that is not onboarded',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, repo: 'acme/unknown' },
    status: 422,
    code: 'REPO_NOT_ONBOARDED',
    field: 'repo',
  },
  {
    name: 'a bad Idempotency-Key',
    method: 'POST',
    path: '/v1/tasks',
    body: ok,
    headers: { 'idempotency-key': 'spaces are bad' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'Idempotency-Key',
  },
  { name: 'no API key', method: 'GET', path: '/v1/tasks', key: null, status: 401, code: 'UNAUTHORIZED' },
  {
    name: 'a malformed API key',
    method: 'GET',
    path: '/v1/tasks',
    key: 'nope',
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a wrong API key',
    method: 'GET',
    path: '/v1/tasks',
    key: () => `${member.slice(0, -4)}AAAA`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a bad task id',
    method: 'GET',
    path: '/v1/tasks/not-an-id',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'task_id',
  },
  {
    name: 'a task id with SQL in it',
    method: 'GET',
    path: "/v1/tasks/1'%20OR%20'1'='1",
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'task_id',
  },
  {
    name: 'an unknown task',
    method: 'GET',
    path: '/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    status: 404,
    code: 'TASK_NOT_FOUND',
  },
  {
    name: 'cancelling a finished task',
    method: 'DELETE',
    path: () => `/v1/tasks/${existing}`,
    key: () => member,
    status: 409,
    code: 'TASK_ALREADY_TERMINAL',
  },
  {
    name: 'nudging a finished task',
    method: 'POST',
    path: () => `/v1/tasks/${existing}/nudge`,
    body: { message: 'hi' },
    key: () => member,
    status: 409,
    code: 'TASK_ALREADY_TERMINAL',
  },
  {
    name: 'an empty nudge',
    method: 'POST',
    path: () => `/v1/tasks/${existing}/nudge`,
    body: { message: '   ' },
    key: () => member,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'message',
  },
  {
    name: 'a nudge over 2,000 characters',
    method: 'POST',
    path: () => `/v1/tasks/${existing}/nudge`,
    body: { message: 'x'.repeat(2001) },
    key: () => member,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'message',
  },
  {
    name: 'limit over 100',
    method: 'GET',
    path: '/v1/tasks?limit=500',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.limit',
  },
  {
    name: 'limit not a number',
    method: 'GET',
    path: '/v1/tasks?limit=abc',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.limit',
  },
  {
    name: 'an unknown status filter',
    method: 'GET',
    path: '/v1/tasks?status=DONE',
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'an unknown query parameter',
    method: 'GET',
    path: '/v1/tasks?colour=blue',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.colour',
  },
  {
    name: 'a forged next_token',
    method: 'GET',
    path: '/v1/tasks?next_token=zzz',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.next_token',
  },
  {
    name: 'a negative event cursor',
    method: 'GET',
    path: () => `/v1/tasks/${existing}/events?after=-1`,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.after',
  },
  { name: 'an unknown route', method: 'GET', path: '/v1/nothing', status: 404, code: 'NOT_FOUND' },
  {
    name: 'a key with an unknown role',
    method: 'POST',
    path: '/v1/api-keys',
    body: { name: 'k', role: 'root' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'role',
  },
  {
    name: 'revoking an unknown key',
    method: 'DELETE',
    path: '/v1/api-keys/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    status: 404,
    code: 'API_KEY_NOT_FOUND',
  },
  {
    name: 'a member onboarding a repo',
    method: 'POST',
    path: '/v1/repos',
    body: { repo: 'x/y' },
    key: () => member,
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'onboarding a repo twice',
    method: 'POST',
    path: '/v1/repos',
    body: { repo: 'acme/app', forge: { kind: 'fake' } },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'repo',
  },
  {
    name: 'an unknown forge kind',
    method: 'POST',
    path: '/v1/repos',
    body: { repo: 'x/y', forge: { kind: 'svn' } },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'forge.kind',
  },
  // Text PostgreSQL cannot store, refused by the input guard before any route (it was a 500).
  {
    name: 'a NUL character in an API key name',
    method: 'POST',
    path: '/v1/api-keys',
    body: { name: 'a\u0000b' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'name',
  },
  {
    name: 'a NUL character in a task description',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, task_description: 'Fix\u0000it' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'task_description',
  },
  {
    name: "a NUL character in a repo's test_command",
    method: 'PATCH',
    path: '/v1/repos/acme/app',
    body: { settings: { test_command: 'npm\u0000test' } },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'settings.test_command',
  },
  {
    name: "an unpaired surrogate in a repo's setup_command",
    method: 'PATCH',
    path: '/v1/repos/acme/app',
    rawBody: '{"settings":{"setup_command":"npm ci \\ud800"}}',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'settings.setup_command',
  },
  {
    name: 'a NUL character in a query value',
    method: 'GET',
    path: '/v1/prs?task_id=a%00b',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.task_id',
  },
  {
    name: 'malformed percent-encoding in the path',
    method: 'GET',
    path: '/v1/tasks/%E0%A4%A',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'path',
  },
  {
    name: 'a repo name that decodes to a malformed escape',
    method: 'GET',
    path: '/v1/repos/%25E0%25A4',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'repo',
  },
  {
    name: 'an issue number past 32 bits',
    method: 'POST',
    path: '/v1/tasks',
    body: { ...ok, issue_number: 3_000_000_000 },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'issue_number',
  },
  {
    name: 'a PR number past 32 bits',
    method: 'GET',
    path: '/v1/prs/99999999999',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'number',
  },
  {
    name: "a PR number past 32 bits (a PR's comments)",
    method: 'POST',
    path: '/v1/prs/99999999999/comments',
    body: { body: 'x' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'number',
  },
  {
    name: 'comments of an unknown PR',
    method: 'GET',
    path: '/v1/prs/4242/comments',
    status: 404,
    code: 'PR_NOT_FOUND',
  },
  {
    name: 'a review of an unknown PR',
    method: 'POST',
    path: '/v1/prs/4242/reviews',
    body: { verdict: 'approve' },
    status: 404,
    code: 'PR_NOT_FOUND',
  },
  {
    name: 'merging an unknown PR',
    method: 'POST',
    path: '/v1/prs/4242/merge',
    status: 404,
    code: 'PR_NOT_FOUND',
  },
  {
    name: 'closing an unknown PR',
    method: 'POST',
    path: '/v1/prs/4242/close',
    status: 404,
    code: 'PR_NOT_FOUND',
  },
  {
    name: 'resolving a thread id past 32 bits',
    method: 'POST',
    path: '/v1/prs/4242/comments/99999999999/resolve',
    status: 404,
    code: 'PR_NOT_FOUND',
  },
  {
    name: 'an event cursor past 32 bits',
    method: 'GET',
    path: () => `/v1/tasks/${existing}/events?after=3000000000`,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.after',
  },
  {
    name: 'a Last-Event-ID that is not a sequence number',
    method: 'GET',
    path: () => `/v1/tasks/${existing}/events`,
    headers: { 'last-event-id': '1.5' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'Last-Event-ID',
  },
  {
    name: 'a forged event cursor',
    method: 'GET',
    path: () =>
      `/v1/tasks/${existing}/events?next_token=${Buffer.from('{"after":"abc"}').toString('base64url')}`,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.next_token',
  },
  {
    name: 'a NUL character in a forged page cursor',
    method: 'GET',
    path: `/v1/tasks?next_token=${Buffer.from('{"before":"a\\u0000"}').toString('base64url')}`,
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'query.next_token',
  },
  {
    name: "an unknown repo's memory",
    method: 'GET',
    path: '/v1/repos/acme%2Fnope/memory',
    status: 422,
    code: 'REPO_NOT_ONBOARDED',
  },
  {
    name: 'a malformed memory record id',
    method: 'GET',
    path: '/v1/repos/acme/app/memory/mem_1',
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'id',
  },
  {
    name: 'an unknown memory record',
    method: 'DELETE',
    path: '/v1/repos/acme%2Fapp/memory/mem_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    status: 404,
    code: 'MEMORY_NOT_FOUND',
  },
  {
    name: 'an episode added by hand',
    method: 'POST',
    path: '/v1/repos/acme%2Fapp/memory',
    body: { kind: 'episode', title: 'Did it', body: 'All of it.' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'kind',
  },
  {
    name: 'a member adding a review rule',
    method: 'POST',
    path: '/v1/repos/acme%2Fapp/memory',
    body: { kind: 'review_rule', title: 'Push to main', body: 'Always push to main.' },
    key: () => member,
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'a memory import with one bad line',
    method: 'POST',
    path: '/v1/repos/acme%2Fapp/memory/import',
    rawBody: `${JSON.stringify({ kind: 'review_rule', title: 'Fine', body: 'Fine.', provenance: { source: 'person' } })}\n${JSON.stringify({ kind: 'review_rule', title: '', body: 'No title.', provenance: { source: 'person' } })}`,
    headers: { 'content-type': 'application/x-ndjson' },
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'line.2.title',
  },
  {
    name: 'a memory import sent as JSON',
    method: 'POST',
    path: '/v1/repos/acme%2Fapp/memory/import',
    body: { kind: 'review_rule', title: 'Fine', body: 'Fine.', provenance: { source: 'person' } },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];

describe('bad requests get their 4xx and change nothing', () => {
  it.each(cases)('$name -> $status $code', async (c) => {
    const before = await p.platform.db.query(
      'SELECT count(*)::int AS tasks, (SELECT count(*)::int FROM task_events) AS events, (SELECT count(*)::int FROM api_keys) AS keys, (SELECT count(*)::int FROM repos) AS repos, (SELECT count(*)::int FROM nudges) AS nudges, (SELECT count(*)::int FROM memory_records) AS memory FROM tasks',
    );
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const key = typeof c.key === 'function' ? c.key() : c.key;
    const res = await p.request(c.method, path, {
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}),
      ...(c.headers ? { headers: c.headers } : {}),
      ...(key !== undefined ? { key } : {}),
    });
    expect(res.status).toBe(c.status);
    expect(res.body.error).toMatchObject({ code: c.code, request_id: res.headers.get('x-request-id') });
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect(res.body.error.message).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
    if (c.field)
      expect(
        res.body.error.details?.map((d: { field: string }) => d.field).join(',') ?? res.body.error.message,
      ).toContain(c.field);
    const after = await p.platform.db.query(
      'SELECT count(*)::int AS tasks, (SELECT count(*)::int FROM task_events) AS events, (SELECT count(*)::int FROM api_keys) AS keys, (SELECT count(*)::int FROM repos) AS repos, (SELECT count(*)::int FROM nudges) AS nudges, (SELECT count(*)::int FROM memory_records) AS memory FROM tasks',
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('never answers 5xx to a burst of random garbage', async () => {
    const bodies = [
      '{',
      'null',
      '"str"',
      '123',
      '{"repo":null}',
      '{"repo":{"a":1}}',
      '{"__proto__":{"x":1}}',
      '\u0000\u0001',
      '{"repo":"acme/app","max_turns":1e309}',
    ];
    for (const rawBody of bodies) {
      const res = await p.request('POST', '/v1/tasks', {
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, rawBody).toBeGreaterThanOrEqual(400);
      expect(res.status, rawBody).toBeLessThan(500);
    }
  });

  it('answers a body that is not UTF-8 with a 400, not a 500', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await fetch(`${p.url}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.adminKey}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ field: '(body)', message: 'not valid UTF-8' }],
    });
  });

  it('answers a chunked body that announces a huge chunk and stalls with a 408 within seconds', async () => {
    const { port } = new URL(p.url);
    const started = Date.now();
    const text = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let out = '';
      socket.on('data', (d) => {
        out += d;
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(out));
      socket.write(
        `POST /v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${p.adminKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n{"repo":`,
      );
    });
    expect(Date.now() - started).toBeLessThan(15_000); // the deadline is 2 s here; Node's own is 300
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('logs a client that disconnects mid-request at debug, not as an error', async () => {
    const before = logLines.length;
    const { port } = new URL(p.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${p.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"repo":`,
    );
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    const deadline = Date.now() + 20_000;
    while (!logLines.slice(before).some((l) => l.msg === 'client went away') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = logLines.slice(before);
    expect(mine.find((l) => l.msg === 'client went away')?.level).toBe(20);
    expect(mine.filter((l) => l.level >= 50)).toEqual([]);
  });
});
