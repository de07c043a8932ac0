import { spawn } from 'node:child_process';
import { LAUNCHER_ENV } from './launcher.ts';

/** Bytes of disk a folder uses (`du -s -B1 -x`, which never follows symlinks). */
export function diskUsage(dir: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn('du', ['-s', '-B1', '-x', '--', dir], {
      env: LAUNCHER_ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      const bytes = Number.parseInt(out, 10);
      resolve(Number.isFinite(bytes) ? bytes : undefined);
    });
  });
}

export interface DiskWatchOptions {
  dir: string;
  limitBytes: number;
  /** Called when usage is over the limit and grew since the previous check. */
  onExceeded: (usageBytes: number) => void;
  /** Minimum pause between checks; the pause grows with the cost of a check (10x its duration). */
  minIntervalMs?: number;
}

/**
 * Polls the workspace size while the sandbox lives. Many files each under the per-file rlimit can
 * still fill the disk: this catches them within about a second. It only fires while usage grows,
 * so a command that deletes files to get back under the limit is not killed.
 */
export function startDiskWatch(options: DiskWatchOptions): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // The first check is a baseline: a workspace that starts over the limit kills nothing until it grows.
  let previous: number | undefined;
  const minInterval = options.minIntervalMs ?? 500;
  const tick = async () => {
    const started = performance.now();
    const usage = await diskUsage(options.dir);
    if (stopped) return;
    if (usage !== undefined) {
      if (previous !== undefined && usage > options.limitBytes && usage > previous) options.onExceeded(usage);
      previous = usage;
    }
    const cost = performance.now() - started;
    timer = setTimeout(tick, Math.max(minInterval, cost * 10));
    timer.unref();
  };
  void tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
