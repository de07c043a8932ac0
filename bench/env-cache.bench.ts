/**
 * The environment cache on a real-shaped repo: its setup is `npm ci` (five packages, ~280 files)
 * from a registry on this machine, run in the bubblewrap sandbox through the egress proxy. Time
 * from a task's creation to its agent step (the fake agent runtime: no model), for the same repo
 * files with no setup (the baseline), with `npm ci` running (cold: a repo that opts out of the
 * cache) and with the cache's snapshot (warm: a hit). Runs alternate baseline, cold, warm, so the
 * machine's load falls on all three alike; target: warm ≤ 1.2× the baseline (issue 13).
 */
import { loadavg } from 'node:os';
import { createBubblewrapBackend } from '../packages/sandbox/src/index.ts';
import { startFakeNpmRegistry } from '../packages/server/test/support/fake-npm-registry.ts';
import { makeRemote } from '../packages/server/test/support/git-remote.ts';
import { startBenchPlatform } from './bench-database.ts';
import { type BenchResult, fromRuns, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const RUNS = benchConfig.runs;

interface TaskEvent {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export async function run(): Promise<BenchResult[]> {
  const sandbox = await createBubblewrapBackend().available();
  if (!sandbox.ok) throw new Error(`the env-cache bench needs bubblewrap: ${sandbox.reason}`);
  const registry = await startFakeNpmRegistry();
  const bench = await startBenchPlatform({
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_EGRESS_ALLOW_PRIVATE: '127.0.0.2/32',
  });
  const url = bench.platform.url as string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: bench.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as { data: any };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  };
  try {
    const files = { ...registry.project('npm-app', ['abca-cli-kit']), 'README.md': '# npm-app\n' };
    const allow = { network_allowlist: [registry.hostPort] };
    const repos = {
      base: { ...allow },
      cold: { ...allow, setup_command: 'npm ci', env_cache: { enabled: false } },
      warm: { ...allow, setup_command: 'npm ci' },
    };
    for (const [repo, settings] of Object.entries(repos))
      await api('POST', '/v1/repos', { repo, forge: { kind: 'git', url: makeRemote(files) }, settings });

    /** Runs a task to its end; answers the milliseconds from its creation to its agent step. */
    const toAgentMs = async (repo: string, expect: 'hit' | 'setup' | 'none') => {
      const task = await api('POST', '/v1/tasks', { repo, task_description: 'Add a note' });
      const deadline = Date.now() + 300_000;
      let t = task;
      while (!['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status)) {
        if (Date.now() > deadline) throw new Error(`task ${task.task_id} on ${repo} did not end`);
        await new Promise((r) => setTimeout(r, 100));
        t = await api('GET', `/v1/tasks/${task.task_id}`);
      }
      if (t.status !== 'COMPLETED')
        throw new Error(`task on ${repo} ended ${t.status}: ${JSON.stringify(t.error)}`);
      const events = (await api('GET', `/v1/tasks/${task.task_id}/events?limit=100`)) as TaskEvent[];
      const types = events.map((e) => e.type);
      const seen = types.includes('env_cache.hit')
        ? 'hit'
        : types.includes('preflight.setup')
          ? 'setup'
          : 'none';
      if (seen !== expect) throw new Error(`task on ${repo}: expected ${expect}, saw ${seen}`);
      const agent = events.find((e) => e.type === 'step.started' && e.data.step === 'agent-execution');
      if (!agent) throw new Error(`task on ${repo} never reached its agent step`);
      return Date.parse(agent.at) - Date.parse(t.created_at);
    };

    // The first task on the warm repo fills the cache; not measured.
    await toAgentMs('warm', 'setup');
    const load = [loadavg()[0] as number];
    const base: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await toAgentMs('base', 'none'));
      cold.push(await toAgentMs('cold', 'setup'));
      warm.push(await toAgentMs('warm', 'hit'));
      load.push(loadavg()[0] as number);
    }
    process.stderr.write(
      `env-cache bench: 1-minute load average ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)} on ${
        (await import('node:os')).cpus().length
      } cores\n`,
    );
    const baseline = { name: 'same repo, no setup', values: base };
    return [
      fromRuns('to agent step: npm ci, cold (setup runs)', cold, 'ms', baseline),
      fromRuns('to agent step: npm ci, warm (cache hit)', warm, 'ms', baseline),
    ];
  } finally {
    await bench.close();
    await registry.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Environment cache (npm ci)', results);
  process.exit(0);
}
