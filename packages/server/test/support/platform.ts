import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../../../test/support/database.ts';
import { type Platform, startPlatform } from '../../src/main.ts';
import { createLogger, type Logger } from '../../src/ops/logger.ts';
import type { EnvCacheAdmin } from '../../src/ports/env-cache.ts';
import type { Queryable } from '../../src/storage/db.ts';
import { workflowRunning } from '../../src/store/workflow-status.ts';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/** Talking to a running platform's API as its admin, and waiting on its tasks. */
export interface ApiClient {
  url: string;
  adminKey: string;
  request(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  /** Creates a member (or admin) and returns its key. */
  userKey(userId: string, role?: 'admin' | 'member'): Promise<string>;
  /**
   * Polls the task until `pred` holds. When it holds on a terminal state, also waits for the task's
   * workflow to finish: the step that ended the task still logs its completion (and the channel
   * notice) after the state changed, and a test that counts events or effects must not race it.
   */
  waitFor(taskId: string, pred: (t: any) => boolean, timeoutMs?: number): Promise<any>;
  /** The task's whole event log, every page. */
  allEvents(taskId: string): Promise<any[]>;
  /** Polls the task's event log until an event matches `pred`, and returns it. */
  waitForEvent(taskId: string, pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
}

export interface TestPlatform extends ApiClient {
  platform: Platform;
  home: string;
  databaseUrl: string;
}

/** Starts the whole platform in this test process (one per file: DBOS is process-global). */
export async function startTestPlatform(
  env: Record<string, string> = {},
  opts: { apiOnly?: boolean; log?: Logger; envCache?: EnvCacheAdmin } = {},
): Promise<TestPlatform> {
  const home = mkdtempSync(join(tmpdir(), 'abca-home-'));
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase('api'));
  const platform = await startPlatform({
    mode: 'serve',
    env: {
      ABCA_HOME: home,
      ABCA_PORT: '0',
      DATABASE_URL: databaseUrl,
      // The reconciler's backstops (orphans, dead executors, queue and approval timeouts) twice a
      // second: a new task is admitted at once without it. Each tick is some ten queries; at 200 ms an
      // idle platform spent about 5 % of a core on them, at 500 ms about 2 %.
      ABCA_RECONCILE_MS: '500',
      // The suite's tasks were written against ten slots; the default follows the cores now.
      ABCA_MAX_TASKS: '10',
      ABCA_AGENT_RUNTIME: 'fake',
      ABCA_NOTIFIER: 'fake',
      // A test that ends with a task still running does not wait the default 30 s drain at stop.
      ABCA_STOP_TIMEOUT_S: '5',
      // Memory's learning calls the model after each task: off unless a test is about it, so the
      // scripted model's queue and request log hold only what a test scripted.
      ABCA_MEMORY_LEARNING: 'off',
      // The event contract check of the test run (test/event-check.ts).
      ...(process.env.ABCA_EVENT_CHECK_FILE
        ? { ABCA_EVENT_CHECK_FILE: process.env.ABCA_EVENT_CHECK_FILE }
        : {}),
      ...env,
    },
    log: opts.log ?? createLogger({ level: process.env.ABCA_TEST_LOG ?? 'silent' }),
    ...(opts.apiOnly ? { apiOnly: true } : {}),
    ...(opts.envCache ? { envCache: opts.envCache } : {}),
  });
  const adminKey = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  return { platform, home, databaseUrl, ...apiClient(platform.url as string, adminKey, platform.db) };
}

/** The API client of a platform at `url` (in this process or a child), waiting on `db`'s workflows. */
export function apiClient(url: string, adminKey: string, db: Queryable): ApiClient {
  const request: TestPlatform['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const key = o.key === undefined ? adminKey : o.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    url,
    adminKey,
    request,
    async userKey(userId, role = 'member') {
      const res = await request('POST', '/v1/api-keys', {
        body: { name: `${userId}-key`, user_id: userId, role },
      });
      if (res.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(res.body)}`);
      return res.body.data.key as string;
    },
    async allEvents(taskId) {
      const all: any[] = [];
      let token: string | null = null;
      do {
        const page: { data: any[]; pagination: { next_token: string | null } } = (
          await request(
            'GET',
            `/v1/tasks/${taskId}/events?limit=100${token ? `&next_token=${encodeURIComponent(token)}` : ''}`,
          )
        ).body;
        all.push(...page.data);
        token = page.pagination.next_token;
      } while (token);
      return all;
    },
    async waitForEvent(taskId, pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const events = (await request('GET', `/v1/tasks/${taskId}/events?limit=100`)).body.data as any[];
        const hit = events.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no such event for ${taskId}`);
    },
    async waitFor(taskId, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < deadline) {
        const res = await request('GET', `/v1/tasks/${taskId}`);
        last = res.body.data;
        if (last && pred(last)) {
          if (!TERMINAL.includes(last.status)) return last;
          while (Date.now() < deadline) {
            if (!(await workflowRunning(db, taskId))) return last;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(`task ${taskId} is ${last.status} but its workflow did not finish`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for task ${taskId}; last seen ${JSON.stringify(last)}`);
    },
  };
}
