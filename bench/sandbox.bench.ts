/**
 * Sandbox overheads: creating (and stopping) a bubblewrap sandbox, and running `true` through
 * `exec` in a running one, next to a plain `child_process.spawn('true')` measured in the same run.
 * The local backend's `exec` is shown too, as the cost of the exec machinery without isolation.
 * Run alone with `npx tsx bench/sandbox.bench.ts` (as root, with bubblewrap installed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createBubblewrapBackend,
  createLocalBackend,
  type Sandbox,
  type SandboxBackend,
} from '@abca/sandbox';

type BenchResult = {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
};

const EXECS = 50;
const CREATES = 10;

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
    const spawnMs = await meanMs(EXECS, spawnTrue);
    const baseline = { name: 'spawn_true_ms', value: spawnMs };
    const execTrue = (sandbox: Sandbox) => meanMs(EXECS, () => sandbox.exec('true'));
    const bwrapExec = await withSandbox(bubblewrap, root, execTrue);
    const bwrapProxyExec = await withSandbox(
      {
        ...bubblewrap,
        create: (spec) => bubblewrap.create({ ...spec, allowedHosts: ['localhost'] }),
      },
      root,
      execTrue,
    );
    const localExec = await withSandbox(local, root, execTrue);
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
      // Run 0 is the warm-up.
      if (i > 0) {
        createMs += (stopping - creating) / CREATES;
        stopMs += (performance.now() - stopping) / CREATES;
      }
    }
    const result = (name: string, value: number): BenchResult => ({
      name,
      value,
      unit: 'ms',
      baseline,
      ratio: value / spawnMs,
    });
    return [
      { name: 'spawn_true_ms', value: spawnMs, unit: 'ms' },
      result('bubblewrap_exec_true_ms', bwrapExec),
      result('bubblewrap_exec_true_with_egress_ms', bwrapProxyExec),
      result('local_exec_true_ms', localExec),
      result('bubblewrap_create_ms', createMs),
      result('bubblewrap_stop_ms', stopMs),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (results) => {
      if (process.argv.includes('--json')) {
        console.log(JSON.stringify(results));
        return;
      }
      console.table(
        results.map((r) => ({
          name: r.name,
          value: Number(r.value.toFixed(2)),
          unit: r.unit,
          baseline: r.baseline?.name ?? '',
          ratio: r.ratio === undefined ? '' : Number(r.ratio.toFixed(2)),
        })),
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
