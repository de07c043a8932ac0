import { spawn } from 'node:child_process';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** The result of one doctor check: what was found and, unless ok, how to fix it. */
export interface CheckResult {
  name: string;
  /** Which machine the check is about: the one running `abca doctor`, or the server it asked. */
  where?: 'local' | 'server';
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorContext {
  env: Record<string, string | undefined>;
  /** The server URL the client commands would use, and where it came from. */
  url: { value: string; source: string };
  /** The API key the client commands would use, if any. */
  apiKey?: string | undefined;
}

export type Check = (ctx: DoctorContext) => Promise<CheckResult | undefined>;

/** Runs a program with a time limit; never throws (a missing program is `code: null, missing: true`). */
export function probe(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string; missing: boolean }> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const done = (v: { code: number | null; output: string; missing: boolean }) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const child = spawn(cmd, args, {
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.env ? { env: opts.env } : {}),
    });
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      done({ code: null, output: err.message, missing: err.code === 'ENOENT' }),
    );
    child.on('close', (code) => done({ code, output: output.trim(), missing: false }));
  });
}

export function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? '';
}

/**
 * Sandbox tools are required only with the bubblewrap sandbox (the default); with
 * `ABCA_SANDBOX=local` a failure is only a warning.
 */
export function sandboxSeverity(result: CheckResult, env: Record<string, string | undefined>): CheckResult {
  if (result.status !== 'fail' || env.ABCA_SANDBOX?.trim() !== 'local') return result;
  return { ...result, status: 'warn', detail: `${result.detail} (not needed with ABCA_SANDBOX=local)` };
}
