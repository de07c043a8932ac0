/**
 * The load of the task-creation bench, in a process of its own (as a real client is): the bench's
 * server process then spends its CPU on the server alone. Reads its plan as JSON on stdin, runs
 * the runs in turns (bare INSERT, empty HTTP round trip, task creation through the API) and
 * prints the rates as one JSON line. The plan is the bench's own, checked here with zod all the same
 * (it crosses a process boundary).
 */
import { Agent, request } from 'node:http';
import pg from 'pg';
import { z } from 'zod';
import { throughput } from './bench-result.ts';

export const CreateLoadPlan = z.strictObject({
  apiUrl: z.string().url(),
  emptyUrl: z.string().url(),
  databaseUrl: z.string().min(1),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  total: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  runs: z.number().int().positive(),
  /** Only the creations through the API (a profile of the server under that load). */
  createOnly: z.boolean().optional(),
});
export type CreateLoadPlan = z.infer<typeof CreateLoadPlan>;

export const CreateLoadResult = z.strictObject({
  insert: z.array(z.number()),
  http: z.array(z.number()),
  create: z.array(z.number()),
});
export type CreateLoadResult = z.infer<typeof CreateLoadResult>;

/** POSTs `body` to `url` and answers the status, the body read to its end. */
function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runLoad(plan: CreateLoadPlan): Promise<CreateLoadResult> {
  const { total, concurrency, body } = plan;
  const pool = new pg.Pool({ connectionString: plan.databaseUrl, max: concurrency });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bare (id text PRIMARY KEY, body jsonb, created_at timestamptz DEFAULT now())',
  );
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const api = new URL(plan.apiUrl);
  const empty = new URL(plan.emptyUrl);
  const plain = { 'content-type': 'application/json' };
  const create = async () => {
    const status = await post(agent, api, plan.headers, body);
    if (status !== 201) throw new Error(`create failed: ${status}`);
  };
  // A warm-up of each, so the first run does not pay for compiling the paths.
  await throughput(concurrency * 4, concurrency, create);
  if (plan.createOnly) {
    const out: CreateLoadResult = { insert: [], http: [], create: [] };
    // Tells the profiler the warm-up is over, then waits for its go (SIGUSR2).
    const go = new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
    console.log('warm');
    await go;
    for (let r = 0; r < plan.runs; r++) out.create.push(await throughput(total, concurrency, create));
    agent.destroy();
    await pool.end();
    return out;
  }
  await throughput(concurrency * 4, concurrency, () => post(agent, empty, plain, body));
  await throughput(concurrency * 4, concurrency, (i) =>
    pool.query('INSERT INTO bare (id, body) VALUES ($1, $2)', [`warm-${i}`, body]),
  );
  const out: CreateLoadResult = { insert: [], http: [], create: [] };
  for (let r = 0; r < plan.runs; r++) {
    out.insert.push(
      await throughput(total, concurrency, (i) =>
        pool.query('INSERT INTO bare (id, body) VALUES ($1, $2)', [`id-${r}-${i}`, body]),
      ),
    );
    out.http.push(await throughput(total, concurrency, () => post(agent, empty, plain, body)));
    out.create.push(await throughput(total, concurrency, create));
  }
  agent.destroy();
  await pool.end();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plan = CreateLoadPlan.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  console.log(JSON.stringify(await runLoad(plan)));
  process.exit(0);
}
