import {
  type GitCredentialInput,
  REDACTED,
  type RepoCredentialInfo,
  type RepoInfo,
  redactGitUrl,
} from '@abca/contracts';
import type { Command } from 'commander';
import type { Env } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';

/** The credential flags of `repos add` and `repos update`, as commander names them. */
export interface GitCredentialFlags {
  gitUsername?: string;
  gitTokenStdin?: boolean;
  gitTokenEnv?: string;
  /** `repos update` only. */
  removeGitCredential?: boolean;
}

/**
 * Ways to give a plain-git repo's token that keep it out of the shell history and of `ps`: from
 * stdin (`--git-token-stdin`, e.g. piped from a password manager) or from a variable the user
 * names (`--git-token-env VAR`). `user:token@` in `--git-url` works too, but is in the history.
 */
export function withGitCredentialOptions(cmd: Command): Command {
  return cmd
    .option(
      '--git-token-stdin',
      'read the token of the --git-url repository from stdin (kept out of shell history)',
    )
    .option(
      '--git-token-env <var>',
      'read the token of the --git-url repository from this environment variable',
    )
    .option('--git-username <name>', 'the user name sent with the token (default: x-access-token)');
}

/**
 * The `credential` field to send: a token read from stdin or the named variable, `null` to remove
 * it (`--remove-git-credential`), or undefined when no flag asks for a change.
 */
export async function credentialFromFlags(
  flags: GitCredentialFlags,
  io: { env: Env; out: Output },
): Promise<GitCredentialInput | null | undefined> {
  const sources = [flags.gitTokenStdin && '--git-token-stdin', flags.gitTokenEnv && '--git-token-env'].filter(
    (s): s is string => typeof s === 'string',
  );
  if (flags.removeGitCredential && (sources.length || flags.gitUsername !== undefined)) {
    throw new CliError('--remove-git-credential and a new token contradict each other.', EXIT.USAGE);
  }
  if (flags.removeGitCredential) return null;
  if (sources.length > 1)
    throw new CliError('Give the token one way: --git-token-stdin or --git-token-env.', EXIT.USAGE);
  if (sources.length === 0) {
    if (flags.gitUsername !== undefined) {
      throw new CliError(
        '--git-username goes with a token: add --git-token-stdin or --git-token-env VAR.',
        EXIT.USAGE,
      );
    }
    return undefined;
  }
  let token: string;
  if (flags.gitTokenEnv) {
    // Someone may pass the token itself by mistake: only a conventional variable name is echoed.
    const name = /^[A-Z_][A-Z0-9_]{0,63}$/.test(flags.gitTokenEnv)
      ? flags.gitTokenEnv
      : 'named by --git-token-env';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.gitTokenEnv)) {
      throw new CliError(
        '--git-token-env takes the name of an environment variable, not the token.',
        EXIT.USAGE,
      );
    }
    token = (io.env[flags.gitTokenEnv] ?? '').trim();
    if (!token) throw new CliError(`The variable ${name} is empty or not set.`, EXIT.USAGE);
  } else {
    if (process.stdin.isTTY) io.out.err('Paste the token, then press Enter and Ctrl-D:');
    token = (await readStdin()).replace(/\r?\n$/, '').trim();
    if (!token) throw new CliError('--git-token-stdin read no token from stdin.', EXIT.USAGE);
  }
  return { token, ...(flags.gitUsername !== undefined ? { username: flags.gitUsername } : {}) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The repo as the CLI prints it, JSON included: the URL without userinfo and the token as
 * `[redacted]` whatever the server sent (an older server may still return `user:token@` URLs).
 */
export function redactRepo(r: RepoInfo): RepoInfo {
  const forge = r.forge.kind === 'git' ? { kind: 'git' as const, url: redactGitUrl(r.forge.url) } : r.forge;
  const credential: RepoCredentialInfo | null = r.credential ? { ...r.credential, token: REDACTED } : null;
  return { ...r, forge, credential };
}

/** `token for alice (stored encrypted, not shown)`, or `none`. */
export function credentialText(r: RepoInfo): string {
  if (!r.credential) return 'none';
  const who = r.credential.username === null ? '' : ` for ${r.credential.username}`;
  return `token${who} (stored encrypted, not shown)`;
}
