import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./platform-process.mjs', import.meta.url));

export interface PlatformProcess {
  child: ChildProcess;
  executorId: string;
  /** The API's URL, for a `serve` process. */
  url: string | undefined;
  stderr: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `platform-process.mjs` in a child process and waits until it reports ready. */
export async function spawnPlatform(
  mode: 'worker' | 'serve' | 'api',
  env: Record<string, string>,
): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [SCRIPT, mode], {
    // Memory's learning would call a test's scripted model after each task: off unless asked for.
    env: { ...process.env, ABCA_MEMORY_LEARNING: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => stderr.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url: string | undefined;
  const executorId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`platform process did not start:\n${stderr.join('\n')}`)),
      60_000,
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; executorId?: string; url?: string };
        if (msg.ready && msg.executorId) {
          clearTimeout(timer);
          url = msg.url;
          resolve(msg.executorId);
        }
      } catch {
        // not our line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`platform process exited with ${code}:\n${stderr.join('\n')}`));
    });
  });
  return {
    child,
    executorId,
    url,
    stderr,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
