import type { Readable } from 'node:stream';
import type { TaskFailureCode } from '@abca/contracts';
import { createHostProcesses, type HostProcesses } from '../ops/host-processes.ts';
import { ForgeError, type GitCredential } from '../ports/forge.ts';

export type { GitCredential } from '../ports/forge.ts';

/** What the call does, so a failure maps to the right {@link ForgeError} code. */
export type GitOp = 'local' | 'fetch' | 'push';

export interface GitCallOptions {
  /** Working directory (a host-owned repository; never an untrusted workspace). */
  cwd?: string;
  credential?: GitCredential;
  op?: GitOp;
  /** Milliseconds before the process is killed; default from {@link createGitCli}. */
  timeoutMs?: number;
  /** Extra strings to scrub from error messages (besides the credential). */
  secrets?: string[];
  /** Aborting kills git and every helper it started. */
  signal?: AbortSignal;
  /**
   * Largest stdout kept, in bytes (default 16 MiB). Past it the call fails (`INTERNAL_ERROR`), or
   * with `truncate` the output is cut there and the rest dropped (diffs for change requests).
   */
  maxOutputBytes?: number;
  truncate?: boolean;
  /** Given, stdout is streamed here and not kept (scanning long output in constant memory). */
  onStdout?: (chunk: Buffer) => void;
  /** All of stdin at once, or a stream the caller writes as git answers (a remote helper's conversation). */
  stdin?: string | Readable;
  /** Speak git's wire protocol version 2 (`GIT_PROTOCOL=version=2`): `git upload-pack` and remote helpers read it. */
  protocolV2?: boolean;
}

/** The result of a git call that ran to its end. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Stdout was cut at `maxOutputBytes` (only with `truncate`). */
  truncated: boolean;
}

/** A typed runner for the host's git: no shell, a clean config, credentials per command. */
export interface GitCli {
  /** Runs git; throws a {@link ForgeError} on a non-zero exit, with secrets scrubbed. */
  run(args: string[], opts?: GitCallOptions): Promise<string>;
  /** Runs git and returns the exit code instead of throwing (spawn failures and timeouts still throw). */
  tryRun(args: string[], opts?: GitCallOptions): Promise<GitResult>;
  /**
   * Runs `text`, a fixed POSIX shell script shipped with the platform (never text a repository, a
   * sandbox or a user gave), with `args` as its `$1`...: every git it calls (as `git`) gets the
   * environment and config {@link run}'s calls get, so a sequence of local git calls costs the
   * platform one process start instead of one each. Local only (no credential, no remote).
   * Returns the script's exit code and output like {@link tryRun}.
   */
  script(text: string, args: string[], opts?: Omit<GitCallOptions, 'credential' | 'op'>): Promise<GitResult>;
}

export interface GitCliSettings {
  /** The git binary; default `git`. */
  gitPath?: string;
  /** PATH for git and its helpers; default the usual system folders. */
  pathEnv?: string;
  /** Default timeout of a call in milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** Where git runs: each call in its own process group that dies with the platform. */
  processes?: HostProcesses;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Config every call carries: no hooks, no fsmonitor, no credential helpers, no prompts, and no
 * automatic upkeep (`git maintenance run --auto`, a process git starts after every fetch and commit
 * of its own: the mirrors' upkeep is explicit and off the tasks' path, see mirrors.ts, and the
 * other repositories the host makes live for one call).
 */
const BASE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'maintenance.auto=false',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'credential.helper=',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'core.askPass=',
  '-c',
  'init.defaultBranch=main',
  '-c',
  'advice.detachedHead=false',
  // A transfer slower than 1 byte/s for a minute is a stall, not a slow network.
  '-c',
  'http.lowSpeedLimit=1',
  '-c',
  'http.lowSpeedTime=60',
];

/**
 * Creates the runner. Every call gets an environment built from scratch (no HOME, no system or
 * global config, no terminal prompt), so nothing of the host user's git setup leaks in.
 *
 * Credentials are not put on the command line (`-c` arguments show in `ps` to every local user):
 * the same per-command config is passed through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n` in the
 * child's environment, which only the same uid can read, and it is scoped to the remote's URL
 * (`http.<url>.extraHeader`) so a redirect to another host does not get it.
 */
export function createGitCli(settings: GitCliSettings = {}): GitCli {
  const gitPath = settings.gitPath ?? 'git';
  const pathEnv = settings.pathEnv ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const defaultTimeout = settings.timeoutMs ?? 10 * 60_000;
  const processes = settings.processes ?? createHostProcesses();

  async function tryRun(args: string[], opts: GitCallOptions = {}): Promise<GitResult> {
    return exec([gitPath, ...BASE_CONFIG, ...args], args, opts, {});
  }

  async function script(
    text: string,
    args: string[],
    opts: Omit<GitCallOptions, 'credential' | 'op'> = {},
  ): Promise<GitResult> {
    // The base config as git's own environment form of `-c` (every git the script starts reads it).
    const env: Record<string, string> = {
      ABCA_GIT: gitPath,
      GIT_CONFIG_COUNT: String(BASE_CONFIG.length / 2),
    };
    for (let i = 0; i < BASE_CONFIG.length / 2; i++) {
      const [key = '', ...value] = (BASE_CONFIG[2 * i + 1] ?? '').split('=');
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value.join('=');
    }
    const prelude = 'git() { command "$ABCA_GIT" "$@"; }\n';
    return exec(['/bin/sh', '-c', prelude + text, 'abca-git-script', ...args], ['script'], opts, env);
  }

  async function exec(
    argv: string[],
    args: string[],
    opts: GitCallOptions,
    extraEnv: Record<string, string>,
  ): Promise<GitResult> {
    const env: Record<string, string> = {
      ...extraEnv,
      PATH: pathEnv,
      HOME: '/nonexistent',
      XDG_CONFIG_HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      // No template copied into a repository git makes (an init, a clone): fifteen files (sample
      // hooks, a description) written for nothing into every scratch repository, mirror and workspace.
      GIT_TEMPLATE_DIR: '',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      LANG: 'C',
      LC_ALL: 'C',
    };
    if (opts.protocolV2) env.GIT_PROTOCOL = 'version=2';
    const secrets = [...(opts.secrets ?? [])];
    if (opts.credential) {
      const basic = Buffer.from(`${opts.credential.username}:${opts.credential.password}`).toString('base64');
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = `http.${opts.credential.url}.extraHeader`;
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
      // A lone token may travel as the user name (`https://<token>@host`): scrubbed as well.
      secrets.push(opts.credential.password, opts.credential.username, basic);
    }
    const timeout = opts.timeoutMs ?? defaultTimeout;
    const maxOutput = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    let res: Awaited<ReturnType<HostProcesses['run']>>;
    try {
      res = await processes.run(argv, {
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        env,
        timeoutMs: timeout,
        maxStdoutBytes: maxOutput,
        overflow: opts.truncate ? 'truncate' : 'kill',
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
        ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
      });
    } catch (err) {
      throw new ForgeError('INTERNAL_ERROR', `git could not start: ${(err as Error).message}`, false);
    }
    const stderr = scrub(res.stderr, secrets);
    if (res.killed === 'timeout') {
      throw new ForgeError('GITHUB_UNREACHABLE', `git ${describe(args)} timed out after ${timeout} ms`, true);
    }
    if (res.killed === 'cancelled' || res.killed === 'stopped') {
      throw new ForgeError('INTERNAL_ERROR', `git ${describe(args)} was stopped (${res.killed})`, true);
    }
    if (res.killed === 'output_limit') {
      throw new ForgeError(
        'INTERNAL_ERROR',
        `git ${describe(args)} printed more than ${maxOutput} bytes; stopped`,
        false,
      );
    }
    if (res.code === 127 || res.code === 126 || res.code === 125) {
      throw new ForgeError(
        'INTERNAL_ERROR',
        `git could not start (exit ${res.code}): ${stderr.trim()}`,
        false,
      );
    }
    return {
      code: res.truncated && opts.truncate ? 0 : (res.code ?? 1),
      stdout: res.stdout.toString('utf8'),
      stderr,
      truncated: res.truncated,
    };
  }

  return {
    tryRun,
    script,
    async run(args, opts = {}) {
      const res = await tryRun(args, opts);
      if (res.code === 0) return res.stdout;
      throw gitError(args, res.stderr, opts.op ?? 'local', opts.secrets);
    },
  };
}

/** `git fetch` rather than the whole argv (which may hold paths the caller does not want echoed). */
function describe(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-c' || a === '-C') i++;
    else if (!a.startsWith('-')) return a;
  }
  return 'command';
}

/**
 * Removes every secret, and anything that looks like credentials in a URL or an Authorization
 * header, from text that may end up in an error or a log.
 */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out
    .replace(/(\w+:\/\/)[^/@\s]+@/g, '$1[redacted]@')
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1[redacted]');
}

const RULES: { re: RegExp; ops?: GitOp[]; code: TaskFailureCode; retryable: boolean }[] = [
  {
    re: /could not resolve host|failed to connect|connection refused|connection timed out|operation timed out|network is unreachable|connection reset|returned error: 5\d\d|rpc failed|early eof|unexpected disconnect|ssl_connect|gnutls/i,
    code: 'GITHUB_UNREACHABLE',
    retryable: true,
  },
  {
    re: /returned error: 403|permission to .* denied|write access to repository not granted|permission denied \(publickey\)/i,
    ops: ['push'],
    code: 'INSUFFICIENT_PERMISSIONS',
    retryable: false,
  },
  {
    re: /\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first|protected branch|pre-receive hook declined|failed to push some refs/i,
    ops: ['push'],
    code: 'PUSH_REJECTED',
    retryable: false,
  },
  {
    re: /authentication failed|could not read (username|password)|returned error: 40[134]|repository not found|does not appear to be a git repository|not found|no such file or directory|permission denied|could not read from remote repository/i,
    ops: ['fetch', 'push'],
    code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
    retryable: false,
  },
];

/** Maps a failed git call to a typed error; `stderr` is already scrubbed. */
export function gitError(
  args: string[],
  stderr: string,
  op: GitOp,
  secrets: readonly string[] = [],
): ForgeError {
  const text = scrub(stderr, secrets).trim();
  const tail = text.split('\n').slice(-6).join('\n');
  for (const rule of RULES) {
    if (rule.ops && !rule.ops.includes(op)) continue;
    if (rule.re.test(text))
      return new ForgeError(rule.code, `git ${describe(args)} failed: ${tail}`, rule.retryable);
  }
  return new ForgeError('INTERNAL_ERROR', `git ${describe(args)} failed: ${tail}`, false);
}
