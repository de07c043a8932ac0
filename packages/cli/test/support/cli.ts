import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/abca.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'abca-cli-'));
}

/**
 * The environment of a CLI child: this process's, without any ABCA setting or database, plus `env`.
 * The test run's event contract check (`ABCA_EVENT_CHECK_FILE`, test/event-check.ts) is kept.
 */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ABCA_') && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'))
      base[k] = v;
  }
  if (process.env.ABCA_EVENT_CHECK_FILE) base.ABCA_EVENT_CHECK_FILE = process.env.ABCA_EVENT_CHECK_FILE;
  return { ...base, NO_COLOR: '1', ...env };
}

/** Runs `abca <args>` to completion as a real child process; `input` is written to its stdin. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 45_000,
  input?: string,
): Promise<CliResult> {
  return spawnCli(args, env, timeoutMs, input).done;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches: waits for output, not for time. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `abca <args>` as a real child process without waiting for it. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 45_000,
  input?: string,
): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  const waiters: { stream: 'stdout' | 'stderr'; re: RegExp; resolve(): void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (w.re.test(w.stream === 'stdout' ? stdout : stderr)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`abca ${args.join(' ')} took over ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (stream, re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stream === 'stdout' ? stdout : stderr)) return resolve();
        waiters.push({ stream, re, resolve });
        void done.then(() =>
          reject(new Error(`abca ${args.join(' ')} ended before printing ${re}:\n${stdout}\n${stderr}`)),
        );
      }),
    done,
  };
}

export interface Served {
  url: string;
  home: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `abca serve --port 0` and resolves once its banner names the URL. */
export function startServe(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const home = env.ABCA_HOME ?? tempHome();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: cliEnv({
      ABCA_LOG_LEVEL: 'warn',
      // As the in-process test platforms (server test/support/platform.ts): tasks are admitted at
      // once without the reconciler, which runs only the backstops. A file that tests one of those
      // sets it lower itself (cli-reconnect.test.ts).
      ABCA_RECONCILE_MS: '500',
      // The suite's tasks were written against ten slots; the default follows the cores now.
      ABCA_MAX_TASKS: '10',
      ABCA_AGENT_RUNTIME: 'fake',
      // A server stopped with a task still running does not wait the default 30 s drain.
      ABCA_STOP_TIMEOUT_S: '5',
      ...env,
      ABCA_HOME: home,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`abca serve did not start in time:\n${stderr}`));
    }, 60_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /ABCA is running at (http:\/\/\S+)/.exec(stderr);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          home,
          child,
          stderr: () => stderr,
          async stop() {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`abca serve exited with ${code} before it started:\n${stderr}`));
    });
  });
}
