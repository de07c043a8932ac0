import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../../../test/support/database.ts';
import { type Platform, startPlatform } from '../../src/main.ts';
import { createLogger, type Logger } from '../../src/ops/logger.ts';
import type { EnvCacheAdmin } from '../../src/ports/env-cache.ts';
import type { Queryable } from '../../src/storage/db.ts';
import { workflowRunning } from '../../src/store/workflow-status.ts';
import { createTaskWake, type TaskWatch } from './task-wake.ts';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
/**
 * Between two looks at a task, when its events wake the wait (`databaseUrl` given): the bound for
 * a change no event announces. Without them, the waits poll every 50 ms (20 ms for events).
 */
const WOKEN_POLL_MS = 200;

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
  return {
    platform,
    home,
    databaseUrl,
    ...apiClient(platform.url as string, adminKey, platform.db, databaseUrl),
  };
}

/**
 * The API client of a platform at `url` (in this process or a child), waiting on `db`'s workflows.
 * With `databaseUrl` (the platform's database), a wait on a task wakes at the task's events
 * (task-wake.ts) and otherwise looks every 200 ms, instead of asking every 20–50 ms.
 */
export function apiClient(url: string, adminKey: string, db: Queryable, databaseUrl?: string): ApiClient {
  const wake = databaseUrl ? createTaskWake(databaseUrl) : undefined;
  /** Until `probe` gives a value: at once, then at each of the task's events or every `pollMs`. */
  const poll = async <T>(
    taskId: string,
    probe: () => Promise<T | undefined>,
    deadline: number,
    pollMs: number,
  ): Promise<T | undefined> => {
    let watch: TaskWatch | undefined;
    try {
      for (;;) {
        const value = await probe();
        if (value !== undefined || Date.now() >= deadline) return value;
        if (wake && !watch) {
          // Listening from here on; the next look (at once) sees whatever came before.
          watch = await wake.watch(taskId);
          continue;
        }
        const ms = Math.max(1, Math.min(watch ? WOKEN_POLL_MS : pollMs, deadline - Date.now()));
        if (watch) await watch.wait(ms);
        else await new Promise((r) => setTimeout(r, ms));
      }
    } finally {
      watch?.close();
    }
  };
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
      const hit = await poll(
        taskId,
        async () =>
          ((await request('GET', `/v1/tasks/${taskId}/events?limit=100`)).body.data as any[]).find(pred),
        Date.now() + timeoutMs,
        20,
      );
      if (hit === undefined) throw new Error(`no such event for ${taskId}`);
      return hit;
    },
    async waitFor(taskId, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      const seen = await poll(
        taskId,
        async () => {
          last = (await request('GET', `/v1/tasks/${taskId}`)).body.data;
          return last && pred(last) ? last : undefined;
        },
        deadline,
        50,
      );
      if (seen === undefined)
        throw new Error(`timed out waiting for task ${taskId}; last seen ${JSON.stringify(last)}`);
      if (!TERMINAL.includes(seen.status)) return seen;
      while (Date.now() < deadline) {
        if (!(await workflowRunning(db, taskId))) return seen;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`task ${taskId} is ${seen.status} but its workflow did not finish`);
    },
  };
}

/**
 * The secret part of an API key (`abca_<key id>_<secret>`). The secret is base64url, so it may
 * itself hold `_`: splitting on `_` would cut it short (or leave it empty).
 */
export function secretOfKey(key: string): string {
  const m = /^abca_[0-9A-Z]{26}_([A-Za-z0-9_-]{43})$/.exec(key);
  if (m === null) throw new Error(`not an ABCA API key: ${key.slice(0, 5)}…`);
  return m[1] as string;
}
