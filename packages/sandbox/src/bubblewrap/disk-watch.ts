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
  /** How usage is measured; {@link diskUsage} unless a test counts the checks. */
  measure?: (dir: string) => Promise<number | undefined>;
}

export interface DiskWatch {
  /** A command began: checks run (again) while any runs. */
  resume(): void;
  /** No command runs: no check until the next one begins. */
  pause(): void;
  stop(): void;
}

/**
 * Watches the workspace size while commands run in the sandbox. Many files each under the
 * per-file rlimit can still fill the disk: this catches them within about a second. It only fires
 * while usage grows, so a command that deletes files to get back under the limit is not killed.
 *
 * It starts paused and checks only while a command runs: each check is a `du` process (10-20 ms of
 * CPU on a busy host), and an idle sandbox (a task between steps, or waiting at a gate) has
 * nothing to kill. The first check is a baseline, taken when the first command begins; later ones
 * come `minIntervalMs` into a command, so a short command (most are) costs no check at all, and
 * growth made between commands (a background process) is seen by the next command's first check.
 */
export function startDiskWatch(options: DiskWatchOptions): DiskWatch {
  let stopped = false;
  let active = false;
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  // A workspace that starts over the limit kills nothing until it grows.
  let previous: number | undefined;
  const minInterval = options.minIntervalMs ?? 500;
  const measure = options.measure ?? diskUsage;
  const schedule = (ms: number) => {
    if (timer || checking || stopped || !active) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = async () => {
    timer = undefined;
    checking = true;
    const started = performance.now();
    const usage = await measure(options.dir);
    checking = false;
    if (stopped) return;
    if (usage !== undefined) {
      if (previous !== undefined && usage > options.limitBytes && usage > previous) options.onExceeded(usage);
      previous = usage;
    }
    schedule(Math.max(minInterval, (performance.now() - started) * 10));
  };
  const pause = () => {
    active = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    resume() {
      if (active) return;
      active = true;
      if (previous === undefined && !checking) void tick();
      else schedule(minInterval);
    },
    pause,
    stop() {
      stopped = true;
      pause();
    },
  };
}
