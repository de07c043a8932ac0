import { directSpawner, type Spawner } from '../spawner/spawner.ts';
import { LAUNCHER_ENV } from './launcher.ts';

/** What a workspace holds: bytes of disk, and files and folders (inodes). */
export interface DiskUsage {
  bytes: number;
  files: number;
}

/** One `du` over `dir` (`-s -x`, which never follows symlinks): its first number, or undefined. */
function du(spawner: Spawner, dir: string, unit: string[]): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawner.spawn('du', ['-s', ...unit, '-x', '--', dir], { env: LAUNCHER_ENV });
    child.stdin.on('error', () => {});
    child.stdin.end();
    child.stderr.resume();
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      const n = Number.parseInt(out, 10);
      resolve(Number.isFinite(n) ? n : undefined);
    });
  });
}

/**
 * Bytes of disk a folder uses and the files and folders it holds (`du -B1` and `du --inodes`, run
 * side by side). Empty files use no bytes but each takes an inode of the host's file system, whose
 * table is fixed in size: a bound on bytes alone lets a sandbox exhaust it.
 */
export async function diskUsage(
  dir: string,
  spawner: Spawner = directSpawner,
): Promise<DiskUsage | undefined> {
  const [bytes, files] = await Promise.all([du(spawner, dir, ['-B1']), du(spawner, dir, ['--inodes'])]);
  return bytes === undefined || files === undefined ? undefined : { bytes, files };
}

export interface DiskWatchOptions {
  dir: string;
  limitBytes: number;
  /** Files and folders the workspace may hold. */
  limitFiles: number;
  /** Called when usage is over a limit and grew, in what is over it, since the previous check. */
  onExceeded: (usage: DiskUsage, over: 'bytes' | 'files') => void;
  /** Minimum pause between checks; the pause grows with the cost of a check (10x its duration). */
  minIntervalMs?: number;
  /** How usage is measured; {@link diskUsage} unless a test counts the checks. */
  measure?: (dir: string) => Promise<DiskUsage | undefined>;
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
 * per-file rlimit can still fill the disk, and many empty ones the file system's inode table: this
 * catches them within about a second (or ten times a check's duration, on a tree of millions). It
 * only fires while usage grows, so a command that deletes files to get back under a limit is not
 * killed.
 *
 * It starts paused and checks only while a command runs: each check is two `du` processes (10-20 ms
 * of CPU each on a busy host), and an idle sandbox (a task between steps, or waiting at a gate) has
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
  let previous: DiskUsage | undefined;
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
      if (previous !== undefined) {
        if (usage.bytes > options.limitBytes && usage.bytes > previous.bytes)
          options.onExceeded(usage, 'bytes');
        else if (usage.files > options.limitFiles && usage.files > previous.files)
          options.onExceeded(usage, 'files');
      }
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
