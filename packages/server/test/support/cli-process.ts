import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../cli/bin/abca.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A real `abca serve` / `abca worker` process, as an operator runs it. */
export interface AbcaProcess {
  child: ChildProcess;
  /** The executor id its banner names. */
  executorId: string;
  stderr(): string;
  /** Resolves once stderr matches `re`; rejects when the process ends first or after `ms`. */
  waitForStderr(re: RegExp, ms?: number): Promise<void>;
  /**
   * Sends `signal` as a terminal's Ctrl-C does: to the whole process group (the process runs as its
   * group's leader), so every child it did not put in a session of its own gets it too.
   */
  signalGroup(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal) and when it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILLs the group if it still runs (cleanup). */
  kill(): Promise<void>;
}

/**
 * Starts `abca <command>` from the CLI's own entry point, leading a process group of its own (as a
 * shell's foreground job), and resolves once its banner says it runs.
 */
export async function startAbca(
  command: 'serve' | 'worker',
  env: Record<string, string>,
  opts: { viaNpm?: boolean } = {},
): Promise<AbcaProcess> {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ABCA_') && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'))
      base[k] = v;
  }
  const args = command === 'serve' ? ['serve', '--port', '0'] : ['worker'];
  // `npm start` is `abca serve` (the README's quick start): npm, sh and node in one process group.
  const argv = opts.viaNpm ? ['npm', 'start', '--', '--port', '0'] : [process.execPath, BIN, ...args];
  if (opts.viaNpm && command !== 'serve') throw new Error('npm start runs abca serve');
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: REPO_ROOT,
    env: { ...base, NO_COLOR: '1', ABCA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal, at: performance.now() });
      for (const w of [...waiters]) w();
    }),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const waitForStderr = (re: RegExp, ms = 90_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`abca ${command} did not print ${re} in ${ms} ms:\n${stderr}`));
      }, ms);
      const check = () => {
        if (re.test(stderr)) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        } else if (ended) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`abca ${command} exited before printing ${re}:\n${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  const banner = command === 'serve' ? /executor:\s+(\S+)/ : /ABCA worker (\S+) is running/;
  await waitForStderr(banner);
  const executorId = banner.exec(stderr)?.[1] as string;
  return {
    child,
    executorId,
    stderr: () => stderr,
    waitForStderr,
    signalGroup(signal) {
      process.kill(-(child.pid as number), signal);
    },
    exited,
    async kill() {
      if (ended) return;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}
