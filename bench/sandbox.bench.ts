/**
 * Sandbox overheads: creating (and stopping) a bubblewrap sandbox, and running `true` through
 * `exec` in a running one, next to a plain `child_process.spawn('true')` measured in the same run.
 * The local backend's `exec` is shown too, as the cost of the exec machinery without isolation.
 * Each run measures every figure and its own baseline; the figures are the median of the runs with
 * their spread.
 * Run alone with `npx tsx bench/sandbox.bench.ts` (as root, with bubblewrap installed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createBubblewrapBackend,
  createLocalBackend,
  type Sandbox,
  type SandboxBackend,
} from '@abca/sandbox';
import { removeBenchFolder } from './bench-folders.ts';
import { type BenchResult, fromRuns, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const EXECS = 20;
const CREATES = 5;
const RUNS = benchConfig.runs;

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

async function meanMs(times: number, action: () => Promise<unknown>): Promise<number> {
  await action(); // warm-up
  const started = performance.now();
  for (let i = 0; i < times; i++) await action();
  return (performance.now() - started) / times;
}

async function withSandbox<T>(backend: SandboxBackend, root: string, use: (sandbox: Sandbox) => Promise<T>) {
  const sandbox = await backend.create({ taskId: 'bench', workspaceDir: mkdtempSync(join(root, 'ws-')) });
  try {
    return await use(sandbox);
  } finally {
    await sandbox.stop();
  }
}

/** Creation and per-command overhead of the sandbox backends against a bare spawn. */
export async function run(): Promise<BenchResult[]> {
  const bubblewrap = createBubblewrapBackend();
  const availability = await bubblewrap.available();
  if (!availability.ok)
    throw new Error(`bubblewrap unavailable: ${availability.reason}; fix: ${availability.remedy}`);
  const local = createLocalBackend({ log: () => {} });
  const root = mkdtempSync(join(tmpdir(), 'abca-bench-'));
  try {
    const runs: Record<string, number[]> = {};
    const add = (name: string, v: number) => {
      runs[name] ??= [];
      runs[name].push(v);
    };
    const execTrue = (sandbox: Sandbox) => meanMs(EXECS, () => sandbox.exec('true'));
    const withEgress: SandboxBackend = {
      ...bubblewrap,
      create: (spec) => bubblewrap.create({ ...spec, allowedHosts: ['localhost'] }),
    };
    for (let r = 0; r < RUNS; r++) {
      add('spawn_true_ms', await meanMs(EXECS, spawnTrue));
      add('bubblewrap_exec_true_ms', await withSandbox(bubblewrap, root, execTrue));
      add('bubblewrap_exec_true_with_egress_ms', await withSandbox(withEgress, root, execTrue));
      add('local_exec_true_ms', await withSandbox(local, root, execTrue));
      let createMs = 0;
      let stopMs = 0;
      for (let i = 0; i <= CREATES; i++) {
        const creating = performance.now();
        const sandbox = await bubblewrap.create({
          taskId: 'bench',
          workspaceDir: mkdtempSync(join(root, 'ws-')),
        });
        const stopping = performance.now();
        await sandbox.stop();
        // Step 0 is the warm-up.
        if (i > 0) {
          createMs += (stopping - creating) / CREATES;
          stopMs += (performance.now() - stopping) / CREATES;
        }
      }
      add('bubblewrap_create_ms', createMs);
      add('bubblewrap_stop_ms', stopMs);
    }
    const base = { name: 'spawn_true_ms', values: runs.spawn_true_ms as number[] };
    const result = (name: string) => fromRuns(name, runs[name] as number[], 'ms', base);
    return [
      fromRuns('spawn_true_ms', base.values, 'ms'),
      result('bubblewrap_exec_true_ms'),
      result('bubblewrap_exec_true_with_egress_ms'),
      result('local_exec_true_ms'),
      result('bubblewrap_create_ms'),
      result('bubblewrap_stop_ms'),
    ];
  } finally {
    removeBenchFolder(root, benchConfig.removeList);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (results) => {
      if (process.argv.includes('--json')) {
        console.log(JSON.stringify(results));
        return;
      }
      printTable('Sandbox overheads', results);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
