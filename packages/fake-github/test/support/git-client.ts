import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The header git sends with a token as the password, as ABCA's workers do. */
export function basicAuthHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/** Runs the real git client, never prompting and ignoring the host's configuration. */
export function runGit(args: string[], options: { cwd?: string; token?: string } = {}): Promise<GitRun> {
  const auth =
    options.token === undefined ? [] : ['-c', `http.extraHeader=${basicAuthHeader(options.token)}`];
  const identity = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];
  return new Promise((resolve) => {
    execFile(
      'git',
      [...auth, ...identity, ...args],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Like `runGit`, failing the test with git's stderr when git fails. */
export async function gitOk(args: string[], options: { cwd?: string; token?: string } = {}): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
