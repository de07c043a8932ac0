/**
 * Process time of `abca` commands (user + system CPU of the process and its children, and wall
 * time), median of a few runs, next to `node -e 0` measured in the same run; and the same commands
 * started from the TypeScript sources through tsx, as `abca` ran before it shipped compiled.
 * `status` and `tasks` ask a running server (in this process, API only, fake agent).
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../packages/cli/scripts/build.mjs';
import { cliEnv } from '../packages/cli/test/support/cli.ts';
import { type ProcessTime, processTime } from '../packages/cli/test/support/process-time.ts';
import { startBenchPlatform } from './bench-database.ts';
import { type BenchResult, printTable, withBaseline } from './bench-result.ts';

const RUNS = 5;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/abca.js');
const SOURCE = join(ROOT, 'packages/cli/src/main.ts');

async function median(argv: string[], env: NodeJS.ProcessEnv): Promise<ProcessTime> {
  const runs: ProcessTime[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await processTime(argv, env, { cwd: ROOT }));
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    cpuMs: mid(runs.map((r) => r.cpuMs)),
    wallMs: mid(runs.map((r) => r.wallMs)),
    code: runs[0]?.code ?? null,
  };
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
  const node = await median([process.execPath, '-e', '0'], env);
  const commands: [string, string[]][] = [
    ['abca --help', ['--help']],
    ['abca tasks', ['tasks']],
    ['abca status', ['status', taskId]],
    ['abca doctor', ['doctor']],
  ];
  const results: BenchResult[] = [];
  for (const [name, args] of commands) {
    const t = await median([process.execPath, BIN, ...args], env);
    if (t.code !== 0 && name !== 'abca doctor') throw new Error(`${name} exited with ${t.code}`);
    results.push(withBaseline(`${name}: CPU (user+sys)`, t.cpuMs, 'ms', 'node -e 0', node.cpuMs));
    results.push(withBaseline(`${name}: wall`, t.wallMs, 'ms', 'node -e 0', node.wallMs));
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
    const t = await median(source(args), env);
    results.push(withBaseline(`${name} from the sources (tsx): CPU`, t.cpuMs, 'ms', 'node -e 0', node.cpuMs));
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
