import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ERROR_CODES } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { loadConfig } from '../src/config/config.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { describeRequest, type FuzzWorld, generateRequest } from './support/api-fuzz.ts';
import { apiRoutes } from './support/api-routes.ts';
import { createFuzzClient } from './support/fuzz-client.ts';
import { rngFor } from './support/fuzz-rng.ts';
import { type ApiClient, apiClient } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * The API fuzz: thousands of seeded malformed requests (bodies, headers, paths, methods) over real
 * HTTP against the real server on a real PostgreSQL. No answer may be a 5xx, none may take longer
 * than the deadline, every 4xx carries a code and a message, the server logs no error, and it
 * serves normal requests afterwards. A failure prints the seed: ABCA_FUZZ_SEED=<seed> replays it
 * (ABCA_FUZZ_ONLY=<i>,<j> sends only those requests of it; ABCA_FUZZ_LOG=debug prints what the
 * server refused below the app). ABCA_FUZZ_REQUESTS changes the count (CI: the default, 10,000).
 */
const SEED = Number(process.env.ABCA_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const REQUESTS = Number(process.env.ABCA_FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 8;
/** Replays chosen requests of a seed only: ABCA_FUZZ_ONLY=135,1084. */
const ONLY = process.env.ABCA_FUZZ_ONLY?.split(',').map(Number);
const DEADLINE_MS = 20_000;
const CODES = new Set<string>(API_ERROR_CODES);

let server: PlatformProcess;
let api: ApiClient;
let db: Db;
let world: FuzzWorld;
const errorLines = () => (server?.stderr ?? []).filter((l) => /"level":(50|60)\b/.test(l));

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'abca-fuzz-'));
  const env = {
    ABCA_HOME: home,
    ABCA_PORT: '0',
    DATABASE_URL: await createTestDatabase('fuzz'),
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_REQUEST_READ_TIMEOUT_S: '3',
    ABCA_TEST_LOG: process.env.ABCA_FUZZ_LOG ?? 'warn',
  };
  // A server process of its own (API only, as behind separate workers: the fuzz is of the API, and
  // the tasks it creates stay queued); client and server do not share one thread.
  server = await spawnPlatform('api', env);
  db = createPool(env.DATABASE_URL, 2);
  api = apiClient(
    server.url as string,
    readFileSync(join(home, 'admin.key'), 'utf8').trim(),
    db,
    env.DATABASE_URL,
  );
  for (const repo of ['acme/app', 'solo']) {
    const res = await api.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const member = await api.userKey('mia');
  const tasks: string[] = [];
  for (const key of [member, api.adminKey]) {
    const res = await api.request('POST', '/v1/tasks', {
      key,
      body: { repo: 'acme/app', task_description: 'A task to poke at' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    tasks.push(res.body.data.task_id);
  }
  // A key the fuzz may revoke: not one it sends requests with.
  const spare = await api.request('POST', '/v1/api-keys', {
    body: { name: 'spare', user_id: 'sam', role: 'member' },
  });
  const keys = [spare.body.data.key_id as string];
  const memory: string[] = [];
  for (const title of ['Use the repo logger', 'Prefer early returns']) {
    const res = await api.request('POST', '/v1/repos/acme%2Fapp/memory', {
      body: { kind: 'review_rule', title, body: `${title}.` },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    memory.push(res.body.data.id);
  }
  world = {
    routes: apiRoutes(loadConfig(env)),
    keys: { admin: api.adminKey, member },
    ids: { tasks, repos: ['acme/app', 'solo'], keys, memory },
  };
}, 120_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await db?.end();
});

describe('API fuzz', () => {
  it(`answers ${REQUESTS} malformed requests with no 5xx and no hang, then serves normal ones`, async () => {
    const client = createFuzzClient(server.url as string, { sockets: CONCURRENCY, deadlineMs: DEADLINE_MS });
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const tags: Record<string, number> = {};
    const routesHit = new Set<string>();
    const slowest: { ms: number; what: string }[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        if (ONLY && !ONLY.includes(i)) continue;
        const req = generateRequest(world, rngFor(SEED, i));
        for (const t of req.tags) tags[t] = (tags[t] ?? 0) + 1;
        const fail = (why: string) => {
          if (failures.length < 30) failures.push(`#${i} ${why}\n    ${describeRequest(req)}`);
        };
        try {
          const res = await client.send(req);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.ms > 1000)
            slowest.push({
              ms: Math.round(res.ms),
              what: `#${i} ${res.status} ${describeRequest(req).slice(0, 200)}\n      after ${res.previous?.slice(0, 400)}`,
            });
          if (res.status >= 500) fail(`${res.status}: ${res.body.slice(0, 300)}`);
          else if (res.status === 499 || res.status < 100) fail(`status ${res.status}`);
          if (res.status < 300 && req.headers.authorization)
            routesHit.add(`${req.method} ${req.path.split('?')[0]}`);
          if (res.status >= 400 && req.method !== 'HEAD') {
            let error: { code?: unknown; message?: unknown } | undefined;
            try {
              error = JSON.parse(res.body).error;
            } catch {
              // not JSON: reported below
            }
            if (error === undefined && isDashboardPath(req.path)) {
              // The dashboard answers browsers: a short page or text saying what to do, never a trace.
              if (res.body.trim().length < 5) fail(`${res.status} from the dashboard without a message`);
              else if (/\n\s+at .+:\d+:\d+/.test(res.body)) fail(`a stack trace: ${res.body.slice(0, 300)}`);
            } else if (typeof error?.code !== 'string' || !CODES.has(error.code))
              fail(`${res.status} without a known error code: ${res.body.slice(0, 200)}`);
            else if (typeof error.message !== 'string' || error.message.length < 5)
              fail(`${res.status} ${error.code} without a message`);
            else if (/\n\s+at .+:\d+:\d+/.test(error.message)) fail(`a stack trace: ${error.message}`);
          }
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          fail(
            `no answer: ${e.code ?? ''} ${e.message}${(e as { reusedSocket?: boolean }).reusedSocket ? ' (reused socket)' : ''} after ${(e as { previous?: string }).previous}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    client.close();
    const seconds = (Date.now() - started) / 1000;
    const summary = `seed ${SEED} (replay: ABCA_FUZZ_SEED=${SEED}), ${REQUESTS} requests in ${seconds.toFixed(1)} s\nstatuses ${JSON.stringify(statuses)}\ntags ${JSON.stringify(tags)}\nslowest:\n${slowest
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8)
      .map((s) => `  ${s.ms} ms ${s.what}`)
      .join('\n')}`;
    console.log(summary);
    if (process.env.ABCA_FUZZ_LOG)
      console.log(server.stderr.filter((l) => /refused|went away/.test(l)).join('\n'));

    expect(failures, `${summary}\n${failures.join('\n')}`).toEqual([]);
    expect(
      errorLines(),
      `${summary}\nerror-level log lines:\n${errorLines().slice(0, 5).join('\n')}`,
    ).toEqual([]);
    // The fuzz reached what it is about: NUL bytes, invalid UTF-8, the routes themselves.
    if (!ONLY) expect(tags.nul ?? 0, summary).toBeGreaterThan(REQUESTS / 50);
    if (!ONLY) {
      expect(tags.utf8 ?? 0, summary).toBeGreaterThan(REQUESTS / 200);
      expect(statuses['400'] ?? 0, summary).toBeGreaterThan(REQUESTS / 10);
      expect(Object.keys(statuses).filter((s) => s.startsWith('2')).length, summary).toBeGreaterThan(0);
    }

    // Normal traffic afterwards (the fuzz may have removed acme/app or revoked the member's key).
    const repo = await api.request('POST', '/v1/repos', {
      body: { repo: 'after/fuzz', forge: { kind: 'fake' } },
    });
    expect(repo.status, JSON.stringify(repo.body)).toBe(201);
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'after/fuzz', task_description: 'After the storm' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.task_id;
    const list = await api.request('GET', '/v1/tasks?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { task_id: string }) => t.task_id)).toContain(id);
    const got = await api.request('GET', `/v1/tasks/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.task_description).toBe('After the storm');
    expect((await api.request('GET', '/readyz', { key: null })).status).toBe(200);
    expect(errorLines()).toEqual([]);
  }, 180_000);
});

/** The dashboard's pages (docs/dashboard.md): everything but the API, the channels and the probes. */
function isDashboardPath(path: string): boolean {
  const p = path.split('?')[0] ?? '';
  return !/^\/(v1|webhooks)(\/|$)/.test(p) && !['/healthz', '/readyz', '/metrics'].includes(p);
}
