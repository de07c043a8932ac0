/**
 * Process time of `abca` commands (user + system CPU of the process and its children, and wall
 * time), the median of a few runs with their spread, each run next to a `node -e 0` run measured just
 * before it; and the same commands
 * started from the TypeScript sources through tsx, as `abca` ran before it shipped compiled.
 * `status` and `tasks` ask a running server (in this process, API only, fake agent).
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../packages/cli/scripts/build.mjs';
import { cliEnv } from '../packages/cli/test/support/cli.ts';
import { type ProcessTime, processTime } from '../packages/cli/test/support/process-time.ts';
import { startBenchPlatform } from './bench-database.ts';
import { type BenchResult, fromRuns, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const RUNS = benchConfig.runs;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/abca.js');
const SOURCE = join(ROOT, 'packages/cli/src/main.ts');

/** `RUNS` runs of a command, each right after a run of `node -e 0`: CPU and wall of both, run by run. */
async function runs(argv: string[], env: NodeJS.ProcessEnv) {
  const out = {
    cpu: [] as number[],
    wall: [] as number[],
    nodeCpu: [] as number[],
    nodeWall: [] as number[],
  };
  let code: number | null = null;
  for (let i = 0; i < RUNS; i++) {
    const node: ProcessTime = await processTime([process.execPath, '-e', '0'], env, { cwd: ROOT });
    const t: ProcessTime = await processTime(argv, env, { cwd: ROOT });
    out.nodeCpu.push(node.cpuMs);
    out.nodeWall.push(node.wallMs);
    out.cpu.push(t.cpuMs);
    out.wall.push(t.wallMs);
    code = t.code;
  }
  return { ...out, code };
}

export async function run(): Promise<BenchResult[]> {
  await buildCli();
  const bench = await startBenchPlatform({}, { apiOnly: true });
  const home = bench.platform.config.home;
  const created = await fetch(`${bench.platform.url}/v1/tasks`, {
    method: 'POST',
    headers: bench.headers,
    body: JSON.stringify({ repo: 'acme/app', task_description: 'Fix the bug' }),
  });
  const taskId = ((await created.json()) as { data: { task_id: string } }).data.task_id;
  const env = cliEnv({ ABCA_HOME: home });
  const commands: [string, string[]][] = [
    ['abca --help', ['--help']],
    ['abca tasks', ['tasks']],
    ['abca status', ['status', taskId]],
    ['abca doctor', ['doctor']],
  ];
  const results: BenchResult[] = [];
  for (const [name, args] of commands) {
    const t = await runs([process.execPath, BIN, ...args], env);
    if (t.code !== 0 && name !== 'abca doctor') throw new Error(`${name} exited with ${t.code}`);
    results.push(fromRuns(`${name}: CPU (user+sys)`, t.cpu, 'ms', { name: 'node -e 0', values: t.nodeCpu }));
    results.push(fromRuns(`${name}: wall`, t.wall, 'ms', { name: 'node -e 0', values: t.nodeWall }));
  }
  // As `abca` started before: tsx compiling the TypeScript sources at every start.
  const source = (args: string[]) => [
    process.execPath,
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    `const { run } = await import(${JSON.stringify(SOURCE)}); await run(['node', 'abca', ...${JSON.stringify(args)}], process.env);`,
  ];
  for (const [name, args] of commands.slice(0, 2)) {
    const t = await runs(source(args), env);
    results.push(
      fromRuns(`${name} from the sources (tsx): CPU`, t.cpu, 'ms', { name: 'node -e 0', values: t.nodeCpu }),
    );
  }
  await bench.close();
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('CLI process time', results);
  process.exit(0);
}
