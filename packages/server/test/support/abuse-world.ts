import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createScriptedModelServer,
  type ReplyBuilder,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { expect } from 'vitest';
import { createTestDatabase } from '../../../../test/support/database.ts';
import { createPool, type Db } from '../../src/storage/db.ts';
import { type ApiClient, apiClient } from './platform.ts';
import { type PlatformProcess, spawnPlatform } from './processes.ts';

const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

/**
 * The setting of the abuse suite: the whole platform (`abca serve`: API and worker in one process,
 * as `npm start` runs it) in a child process whose memory is sampled all along, the built-in agent
 * in bubblewrap, and a scripted model that plays each task's own script — tasks run side by side,
 * so a case and its neighbour run at once.
 */
export interface AbuseWorld {
  api: ApiClient;
  model: ScriptedModelServer;
  server: PlatformProcess;
  home: string;
  db: Db;
  /** Highest resident set size of the server process seen so far, in bytes. */
  maxRssBytes(): number;
  /**
   * Runs a task whose description carries `[case:<name>]`, played by `script` (then a final text),
   * on `repo`; returns the finished task. A neighbour task on the same platform runs at the same
   * time and must complete.
   */
  runCase(
    name: string,
    repo: string,
    script: ReplyBuilder[],
    opts?: { timeoutMs?: number; neighbour?: boolean },
  ): Promise<{ task: any; neighbour: any; events: any[] }>;
  /** The server answers and its process is alive. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

/** The server's memory bound in the abuse suite: about 2.4 times what it uses while agents do their worst. */
export const RSS_BOUND_BYTES = 512 * 1024 * 1024;

/** The end of each abuse file: the server answers, its process lives, its RSS stayed under the bound. */
export async function expectHealthyWithinBound(world: AbuseWorld, label: string): Promise<void> {
  expect(await world.healthy()).toBe(true);
  const rss = world.maxRssBytes();
  console.info(`abuse (${label}): server max RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  expect(rss).toBeGreaterThan(0);
  expect(rss).toBeLessThan(RSS_BOUND_BYTES);
}

function rssOf(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Which case a model request belongs to, and how many turns of it were played. */
function caseOf(body: Record<string, unknown>): { name: string; turn: number } | undefined {
  const messages = (body.messages ?? []) as { role?: string; content?: unknown }[];
  const first = JSON.stringify(messages.find((m) => m.role === 'user')?.content ?? '');
  const name = /\[case:([a-z0-9-]+)\]/.exec(first)?.[1];
  if (!name) return undefined;
  return { name, turn: messages.filter((m) => m.role === 'assistant').length };
}

export async function startAbuseWorld(env: Record<string, string> = {}): Promise<AbuseWorld> {
  const model = await createScriptedModelServer();
  const scripts = new Map<string, ReplyBuilder[]>();
  model.onRequest((request) => {
    const c = caseOf(request.body);
    if (!c) return undefined;
    return scripts.get(c.name)?.[c.turn] ?? reply().text(`Done with ${c.name}.`);
  });
  const databaseUrl = await createTestDatabase('abuse');
  // In memory when the run has a memory folder (test/tmp-root.ts): a million files cost half the CPU there.
  const home = mkdtempSync(join(process.env.ABCA_TEST_MEMORY_TMPDIR ?? tmpdir(), 'abca-abuse-'));
  const server = await spawnPlatform('serve', {
    DATABASE_URL: databaseUrl,
    ABCA_HOME: home,
    ABCA_PORT: '0',
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_NOTIFIER: 'fake',
    ABCA_RECONCILE_MS: '200',
    // Memory's learning would call the scripted model after each task (docs/memory.md).
    ABCA_MEMORY_LEARNING: 'off',
    ABCA_MAX_TASKS_PER_USER: '10',
    ABCA_MAX_TASKS_PER_REPO: '10',
    ABCA_MAX_TASKS: '10',
    ABCA_WORKSPACE_RETENTION_HOURS: '0',
    ...env,
  });
  const pid = server.child.pid as number;
  let maxRss = rssOf(pid);
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, rssOf(pid));
  }, 50);
  const db = createPool(databaseUrl, 2);
  const adminKey = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  const api = apiClient(server.url as string, adminKey, db, databaseUrl);
  let neighbours = 0;

  const submit = async (repo: string, description: string) => {
    const res = await api.request('POST', '/v1/tasks', { body: { repo, task_description: description } });
    if (res.status !== 201) throw new Error(`task creation failed: ${JSON.stringify(res.body)}`);
    return res.body.data.task_id as string;
  };
  const finished = (id: string, timeoutMs: number) =>
    api.waitFor(id, (t) => TERMINAL.includes(t.status), timeoutMs);

  const world: AbuseWorld = {
    api,
    model,
    server,
    home,
    db,
    maxRssBytes: () => Math.max(maxRss, rssOf(pid)),
    async runCase(name, repo, script, opts = {}) {
      scripts.set(name, script);
      const neighbourName = `neighbour-${++neighbours}`;
      scripts.set(neighbourName, [
        reply().tool('bash', {
          command: `echo ${neighbourName} > NEIGHBOUR.md && git add -A && git commit -qm neighbour`,
        }),
      ]);
      const id = await submit(repo, `Abuse case [case:${name}]`);
      const neighbourId =
        opts.neighbour === false ? undefined : await submit(repo, `A neighbour [case:${neighbourName}]`);
      const timeoutMs = opts.timeoutMs ?? 120_000;
      const [task, neighbour] = await Promise.all([
        finished(id, timeoutMs),
        neighbourId ? finished(neighbourId, timeoutMs) : undefined,
      ]);
      return { task, neighbour, events: await api.allEvents(id) };
    },
    async healthy() {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return false;
      const res = await fetch(`${server.url}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
    async close() {
      clearInterval(sampler);
      await server.kill('SIGTERM');
      await db.end();
      await model.close();
    },
  };
  return world;
}
