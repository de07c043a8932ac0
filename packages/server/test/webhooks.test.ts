import { createHmac, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warnOfWebhooksSealedElsewhere } from '../src/channels/webhook/warn-other-keys.ts';
import { createWebhookSecrets } from '../src/channels/webhook/webhook-secrets.ts';
import { createLogger } from '../src/ops/logger.ts';
import { secretKeyFrom } from '../src/secrets/secret-key.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Signed generic webhooks on a real platform (API only: the tasks stay queued): the admin API
 * (the secret is shown once, never listed, sealed at rest; members are refused), deliveries signed
 * with Standard Webhooks (the `standardwebhooks` package as the sender) and with the legacy scheme,
 * replays, revocation, and a table of bad deliveries: each gets its status, none a 5xx, and none
 * creates anything.
 */
const RATE = 8;
let p: TestPlatform;
let memberKey: string;
/** Every line the platform logged, and every secret it handed out: none may be in the other. */
const logged: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (b: Buffer) => logged.push(b.toString()));
  p = await startTestPlatform(
    { ABCA_CHANNEL_RATE_PER_MINUTE: String(RATE) },
    { apiOnly: true, log: createLogger({ level: 'debug', stream }) },
  );
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  memberKey = await p.userKey('mia');
});
afterAll(async () => {
  await p?.platform.stop();
});

interface Created {
  webhook_id: string;
  secret: string;
  user_id: string;
  scheme: 'standard' | 'legacy';
}

async function createWebhook(body: Record<string, unknown>): Promise<Created> {
  const res = await p.request('POST', '/v1/webhooks', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  secrets.push(res.body.data.secret);
  return res.body.data;
}

const TASK = (description: string) => JSON.stringify({ repo: 'acme/app', task_description: description });
let msgSeq = 0;
const newMsgId = () => `msg_test_${Date.now()}_${++msgSeq}`;

/** Standard Webhooks headers for `body`, signed by the standardwebhooks package. */
function standardHeaders(
  secret: string,
  body: string | Buffer,
  o: { msgId?: string; timestampS?: number } = {},
): Record<string, string> {
  const msgId = o.msgId ?? newMsgId();
  const ts = o.timestampS ?? Math.floor(Date.now() / 1000);
  // The package signs strings and Buffers (as UTF-8 text); a Buffer that is not UTF-8 is signed by hand.
  const signature =
    typeof body === 'string' || Buffer.from(body.toString('utf8')).equals(body)
      ? new Webhook(secret).sign(msgId, new Date(ts * 1000), body.toString())
      : `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
          .update(Buffer.concat([Buffer.from(`${msgId}.${ts}.`), body]))
          .digest('base64')}`;
  return { 'webhook-id': msgId, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
}

function legacyHeaders(webhookId: string, secret: string, body: string | Buffer): Record<string, string> {
  return {
    'x-webhook-id': webhookId,
    'x-webhook-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

async function deliver(
  body: string | Buffer,
  headers: Record<string, string>,
  path = '/v1/webhooks/tasks',
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(`${p.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

async function count(table: 'tasks' | 'channel_deliveries'): Promise<number> {
  const res = await p.platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(res.rows[0]?.n);
}

describe('the webhooks admin API', () => {
  it('shows the secret once, lists and shows without it, seals it at rest', async () => {
    const created = await createWebhook({ name: 'ci', user_id: 'mia' });
    expect(created).toMatchObject({ name: 'ci', user_id: 'mia', scheme: 'standard', revoked_at: null });
    expect(created.webhook_id).toMatch(/^wh_[0-9A-Z]{26}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(24);

    const list = await p.request('GET', '/v1/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.data.map((w: { webhook_id: string }) => w.webhook_id)).toContain(created.webhook_id);
    const one = await p.request('GET', `/v1/webhooks/${created.webhook_id}`);
    expect(one.body.data).toMatchObject({ webhook_id: created.webhook_id, last_used_at: null });
    for (const shown of [list.body, one.body]) {
      expect(JSON.stringify(shown)).not.toContain(created.secret.slice(6));
      expect(JSON.stringify(shown)).not.toContain('secret');
    }
    const row = await p.platform.db.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM webhooks WHERE webhook_id = $1',
      [created.webhook_id],
    );
    expect(row.rows[0]?.secret_sealed).not.toContain(created.secret.slice(6));
  });

  it('defaults to the caller; legacy webhooks get a hex secret', async () => {
    const legacy = await createWebhook({ name: 'old-sender', scheme: 'legacy' });
    expect(legacy).toMatchObject({ scheme: 'legacy', user_id: 'admin' });
    expect(legacy.secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses members (403), unknown users (404), bad bodies (400), unknown ids (404)', async () => {
    const created = await createWebhook({ name: 'guarded' });
    for (const [method, path, body] of [
      ['POST', '/v1/webhooks', { name: 'mine' }],
      ['GET', '/v1/webhooks', undefined],
      ['GET', `/v1/webhooks/${created.webhook_id}`, undefined],
      ['DELETE', `/v1/webhooks/${created.webhook_id}`, undefined],
    ] as const) {
      const res = await p.request(method, path, { key: memberKey, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const nobody = await p.request('POST', '/v1/webhooks', { body: { name: 'x', user_id: 'nobody' } });
    expect([nobody.status, nobody.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const bad = await p.request('POST', '/v1/webhooks', { body: { name: 'x', scheme: 'hmac' } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const extra = await p.request('POST', '/v1/webhooks', { body: { name: 'x', secret: 'mine' } });
    expect(extra.status).toBe(400);
    const missing = await p.request('GET', '/v1/webhooks/wh_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'WEBHOOK_NOT_FOUND']);
    const malformed = await p.request('DELETE', '/v1/webhooks/nope');
    expect(malformed.status).toBe(400);
  });
});

describe('signed deliveries', () => {
  it('a Standard-Webhooks-signed POST creates a task as the webhook user; the same bytes again create nothing', async () => {
    const wh = await createWebhook({ name: 'standard', user_id: 'mia' });
    const body = TASK('Add a health check endpoint');
    const headers: Record<string, string> = {
      ...standardHeaders(wh.secret, body),
      'x-abca-webhook': wh.webhook_id,
    };
    const before = await count('tasks');
    const first = await deliver(body, headers);
    expect(first.status, first.text).toBe(201);
    const task = first.body.data;
    expect(task).toMatchObject({
      repo: 'acme/app',
      user_id: 'mia',
      channel: 'webhook',
      channel_ref: { channel: 'webhook', webhook_id: wh.webhook_id, delivery_id: headers['webhook-id'] },
      task_description: 'Add a health check endpoint',
    });
    expect(first.headers.get('location')).toBe(`/v1/tasks/${task.task_id}`);
    // The member owns it: the webhook's tasks are theirs, seen with their own key.
    const seen = await p.request('GET', `/v1/tasks/${task.task_id}`, { key: memberKey });
    expect(seen.body.data.channel).toBe('webhook');

    const again = await deliver(body, headers);
    expect(again.status, again.text).toBe(409);
    expect(again.body.error.code).toBe('DELIVERY_REPLAYED');
    expect(again.body.error.message).toContain(task.task_id);
    expect(await count('tasks')).toBe(before + 1);
    const shown = await p.request('GET', `/v1/webhooks/${wh.webhook_id}`);
    expect(shown.body.data.last_used_at).not.toBeNull();
  });

  it('names the webhook in the path too, and makes one task of two copies racing', async () => {
    const wh = await createWebhook({ name: 'path' });
    const body = TASK('Race me');
    const headers = standardHeaders(wh.secret, body);
    const before = await count('tasks');
    const path = `/v1/webhooks/${wh.webhook_id}/tasks`;
    const answers = await Promise.all([deliver(body, headers, path), deliver(body, headers, path)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await count('tasks')).toBe(before + 1);
    // A new message id is a new task, even with the same body.
    const other = await deliver(body, standardHeaders(wh.secret, body), path);
    expect(other.status, other.text).toBe(201);
  });

  it('accepts the legacy scheme; the same bytes again are a replay', async () => {
    const wh = await createWebhook({ name: 'legacy', scheme: 'legacy', user_id: 'mia' });
    const body = TASK('Fix the flaky test');
    const headers = legacyHeaders(wh.webhook_id, wh.secret, body);
    const before = await count('tasks');
    const first = await deliver(body, headers);
    expect(first.status, first.text).toBe(201);
    expect(first.body.data).toMatchObject({
      user_id: 'mia',
      channel: 'webhook',
      channel_ref: { webhook_id: wh.webhook_id, delivery_id: expect.stringMatching(/^sha256-[0-9a-f]{64}$/) },
    });
    const again = await deliver(body, headers);
    expect([again.status, again.body.error.code]).toEqual([409, 'DELIVERY_REPLAYED']);
    expect(await count('tasks')).toBe(before + 1);
  });

  it('refuses every delivery of a deleted webhook with 401', async () => {
    const wh = await createWebhook({ name: 'doomed' });
    const ok = TASK('before the revocation');
    expect(
      (await deliver(ok, { ...standardHeaders(wh.secret, ok), 'x-abca-webhook': wh.webhook_id })).status,
    ).toBe(201);
    const del = await p.request('DELETE', `/v1/webhooks/${wh.webhook_id}`);
    expect(del.status).toBe(200);
    expect(del.body.data.revoked_at).not.toBeNull();
    const twice = await p.request('DELETE', `/v1/webhooks/${wh.webhook_id}`);
    expect(twice.status).toBe(400);
    const before = await count('tasks');
    const late = TASK('after the revocation');
    const res = await deliver(late, { ...standardHeaders(wh.secret, late), 'x-abca-webhook': wh.webhook_id });
    expect([res.status, res.body.error.code]).toEqual([401, 'SIGNATURE_INVALID']);
    // The same answer as a webhook that never existed: nothing says which.
    const never = await deliver(late, {
      ...standardHeaders(wh.secret, late),
      'x-abca-webhook': 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    });
    expect(never.status).toBe(401);
    expect(never.body.error.message).toBe(res.body.error.message);
    expect(await count('tasks')).toBe(before);
  });
});

describe('bad deliveries', () => {
  interface Row {
    name: string;
    /** Builds the request from a fresh standard webhook and a legacy one. */
    make(w: {
      std: Created;
      legacy: Created;
    }): Promise<{ body: string | Buffer; headers: Record<string, string>; path?: string }>;
    status: number;
    code: string;
  }
  const now = () => Math.floor(Date.now() / 1000);
  const named = (w: Created, h: Record<string, string>): Record<string, string> => ({
    ...h,
    'x-abca-webhook': w.webhook_id,
  });
  const rows: Row[] = [
    {
      name: 'no signature at all',
      make: async ({ std }) => ({ body: TASK('x'), headers: { 'x-abca-webhook': std.webhook_id } }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'no webhook named',
      make: async ({ std }) => ({ body: TASK('x'), headers: standardHeaders(std.secret, TASK('x')) }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a malformed webhook id',
      make: async ({ std }) => ({
        body: TASK('x'),
        headers: { ...standardHeaders(std.secret, TASK('x')), 'x-abca-webhook': "wh_'; DROP TABLE tasks" },
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a signature made with another secret',
      make: async ({ std }) => ({
        body: TASK('x'),
        headers: named(std, standardHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', TASK('x'))),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a body changed after signing',
      make: async ({ std }) => ({
        body: TASK('rm -rf /'),
        headers: named(std, standardHeaders(std.secret, TASK('x'))),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a missing webhook-timestamp',
      make: async ({ std }) => {
        const { 'webhook-timestamp': _drop, ...h } = standardHeaders(std.secret, TASK('x'));
        return { body: TASK('x'), headers: named(std, h) };
      },
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a timestamp older than the window',
      make: async ({ std }) => ({
        body: TASK('x'),
        headers: named(std, standardHeaders(std.secret, TASK('x'), { timestampS: now() - 301 - 60 })),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a timestamp in the future beyond the window',
      make: async ({ std }) => ({
        body: TASK('x'),
        headers: named(std, standardHeaders(std.secret, TASK('x'), { timestampS: now() + 301 + 60 })),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a standard signature sent to a legacy webhook',
      make: async ({ legacy }) => ({
        body: TASK('x'),
        headers: named(
          legacy,
          standardHeaders(`whsec_${Buffer.from(legacy.secret).toString('base64')}`, TASK('x')),
        ),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a legacy signature with the wrong secret',
      make: async ({ legacy }) => ({
        body: TASK('x'),
        headers: legacyHeaders(legacy.webhook_id, 'not-the-secret', TASK('x')),
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a legacy signature that is not sha256=<hex>',
      make: async ({ legacy }) => ({
        body: TASK('x'),
        headers: { 'x-webhook-id': legacy.webhook_id, 'x-webhook-signature': 'md5=abc' },
      }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a replayed Standard Webhooks message (the same bytes again)',
      make: async ({ std }) => {
        const b = TASK('replay me');
        const headers = named(std, standardHeaders(std.secret, b));
        expect((await deliver(b, headers)).status).toBe(201);
        return { body: b, headers };
      },
      status: 409,
      code: 'DELIVERY_REPLAYED',
    },
    {
      name: 'a replayed legacy delivery (the same bytes again)',
      make: async ({ legacy }) => {
        const b = TASK('replay me too');
        const headers = legacyHeaders(legacy.webhook_id, legacy.secret, b);
        expect((await deliver(b, headers)).status).toBe(201);
        return { body: b, headers };
      },
      status: 409,
      code: 'DELIVERY_REPLAYED',
    },
    {
      name: 'a valid signature over a body that is not JSON',
      make: async ({ std }) => ({
        body: '{"repo": "acme/app",',
        headers: named(std, standardHeaders(std.secret, '{"repo": "acme/app",')),
      }),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a valid signature over bytes that are not UTF-8',
      make: async ({ std }) => {
        const raw = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
        return { body: raw, headers: named(std, standardHeaders(std.secret, raw)) };
      },
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a valid signature over JSON that is not a task',
      make: async ({ std }) => {
        const b = JSON.stringify({ repo: 'acme/app', task_description: 'x', admin: true });
        return { body: b, headers: named(std, standardHeaders(std.secret, b)) };
      },
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a valid legacy signature over a JSON array',
      make: async ({ legacy }) => ({
        body: '[1,2]',
        headers: legacyHeaders(legacy.webhook_id, legacy.secret, '[1,2]'),
      }),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a valid signature for a repo that is not onboarded',
      make: async ({ std }) => {
        const b = JSON.stringify({ repo: 'acme/elsewhere', task_description: 'x' });
        return { body: b, headers: named(std, standardHeaders(std.secret, b)) };
      },
      status: 422,
      code: 'REPO_NOT_ONBOARDED',
    },
  ];

  it('answers each with its status and code, never a 5xx, and creates nothing', async () => {
    // Fresh webhooks: the verified rows stay within one webhook's allowance.
    const std = await createWebhook({ name: 'table' });
    const legacy = await createWebhook({ name: 'table-legacy', scheme: 'legacy' });
    for (const row of rows) {
      // Built first: a replay row sends its original here, before the counts.
      const req = await row.make({ std, legacy });
      const tasks = await count('tasks');
      const deliveries = await count('channel_deliveries');
      const res = await deliver(req.body, req.headers, req.path);
      expect(res.status, `${row.name}: ${res.text}`).toBe(row.status);
      expect(res.body?.error?.code, row.name).toBe(row.code);
      expect(res.body.error.message.length, row.name).toBeGreaterThan(10);
      expect(res.text, row.name).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(res.text, row.name).not.toContain(std.secret.slice(6));
      expect(res.text, row.name).not.toContain(legacy.secret);
      expect(await count('tasks'), row.name).toBe(tasks);
      expect(await count('channel_deliveries'), row.name).toBe(deliveries);
    }
    // Only verified deliveries touched the webhook.
    const shown = await p.request('GET', `/v1/webhooks/${std.webhook_id}`);
    expect(shown.body.data.last_used_at).not.toBeNull();
  });

  it('refuses a body over 1 MB (413) however it is signed, and creates nothing', async () => {
    const wh = await createWebhook({ name: 'big' });
    const big = JSON.stringify({ repo: 'acme/app', task_description: 'x'.repeat(1024 * 1024) });
    const tasks = await count('tasks');
    const res = await deliver(big, { ...standardHeaders(wh.secret, big), 'x-abca-webhook': wh.webhook_id });
    expect([res.status, res.body?.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await count('tasks')).toBe(tasks);
  });

  it('refuses a replayed message id (409) before reading the body', async () => {
    const wh = await createWebhook({ name: 'replay' });
    const body = TASK('once');
    const headers = named(wh, standardHeaders(wh.secret, body));
    expect((await deliver(body, headers)).status).toBe(201);
    const tasks = await count('tasks');
    // The same message id with another (validly signed) body is still that message: refused.
    const other = '{"not": "even a task"';
    const replay = await deliver(
      other,
      named(wh, standardHeaders(wh.secret, other, { msgId: headers['webhook-id'] as string })),
    );
    expect([replay.status, replay.body.error.code]).toEqual([409, 'DELIVERY_REPLAYED']);
    expect(await count('tasks')).toBe(tasks);
  });

  it(`rate-limits a flood per webhook (${RATE} a minute): 429 with Retry-After, other webhooks unaffected`, async () => {
    const wh = await createWebhook({ name: 'flood' });
    const tasks = await count('tasks');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < RATE + 3; i++) {
      // Validly signed deliveries of a body that is not a task: each would be a 400, none a task.
      const body = JSON.stringify({ repo: 'acme/app' });
      const res = await deliver(body, named(wh, standardHeaders(wh.secret, body)));
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error.code).toBe('RATE_LIMITED');
        retryAfter = res.headers.get('retry-after');
      }
    }
    expect(statuses.slice(0, RATE)).toEqual(Array(RATE).fill(400));
    expect(statuses.slice(RATE)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await count('tasks')).toBe(tasks);
    // Forged deliveries naming the flooded webhook are refused for their signature, not counted.
    const forged = await deliver(
      TASK('x'),
      named(wh, standardHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', TASK('x'))),
    );
    expect(forged.status).toBe(401);
    const fresh = await createWebhook({ name: 'calm' });
    const ok = TASK('another source');
    expect((await deliver(ok, named(fresh, standardHeaders(fresh.secret, ok)))).status).toBe(201);
  });
});

describe('a webhook secret sealed with another key', () => {
  it('is named at start-up; its deliveries are a logged 500 that shows no secret', async () => {
    const wh = await createWebhook({ name: 'moved' });
    const other = createWebhookSecrets(secretKeyFrom(randomBytes(32), 'other machine'));
    await p.platform.db.query('UPDATE webhooks SET secret_sealed = $2 WHERE webhook_id = $1', [
      wh.webhook_id,
      other.seal(wh.webhook_id, 'standard', wh.secret),
    ]);
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (b: Buffer) => lines.push(b.toString()));
    const key = await p.platform.db.query<{ k: string }>(
      "SELECT secret_sealed::jsonb->>'key_id' AS k FROM webhooks WHERE webhook_id <> $1 LIMIT 1",
      [wh.webhook_id],
    );
    const log = createLogger({ level: 'info', stream });
    await warnOfWebhooksSealedElsewhere(p.platform.db, key.rows[0]?.k as string, log);
    log.flush();
    await new Promise((r) => setImmediate(r));
    expect(lines.join('')).toMatch(/some webhook secrets were sealed with another secret key/);

    const body = TASK('x');
    const res = await deliver(body, { ...standardHeaders(wh.secret, body), 'x-abca-webhook': wh.webhook_id });
    expect([res.status, res.body.error.code]).toEqual([500, 'INTERNAL_ERROR']);
    expect(res.text).not.toContain(wh.secret.slice(6));
    await p.request('DELETE', `/v1/webhooks/${wh.webhook_id}`);
    const quiet: string[] = [];
    const s2 = new PassThrough();
    s2.on('data', (b: Buffer) => quiet.push(b.toString()));
    await warnOfWebhooksSealedElsewhere(
      p.platform.db,
      key.rows[0]?.k as string,
      createLogger({ level: 'info', stream: s2 }),
    );
    expect(quiet).toEqual([]);
  });
});

describe('the logs', () => {
  it('hold the refusals and the webhooks by id, never a secret', () => {
    const text = logged.join('');
    expect(text).toMatch(/webhook delivery refused: bad signature/);
    expect(text).toMatch(/"msg":"webhook created"/);
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.replace(/^whsec_/, ''));
    }
  });
});
