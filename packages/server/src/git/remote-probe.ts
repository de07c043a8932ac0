import { isAbsolute } from 'node:path';
import {
  ForgeError,
  type GitCredential,
  type RemoteProblem,
  type RemoteVerification,
} from '../ports/forge.ts';
import { type GitCli, scrub } from './git-cli.ts';

/** Schemes git fetches over that a repo may name (`ext::` and other transports are refused). */
const SCHEMES = ['http', 'https', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git'];

/** Longest wait for one `ls-remote`, whatever the caller's signal says. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * Why `url` cannot be a plain-git remote, or undefined when it is well-formed: an absolute path,
 * `scheme://host/...` over a scheme git fetches with, or scp-like `user@host:path`. The message
 * never echoes the URL (it may hold a token someone pasted by mistake).
 */
export function gitUrlProblem(url: string): string | undefined {
  if (url.startsWith('-')) return 'starts with "-", which git reads as an option';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme) {
    if (!SCHEMES.includes(scheme))
      return `git does not fetch over ${scheme}:// here (use ${SCHEMES.slice(0, 5).join(', ')})`;
    if (scheme === 'file')
      return isAbsolute(url.slice('file://'.length)) ? undefined : 'is not file:///absolute/path';
    const authority = url.slice(scheme.length + 3).split(/[/?#]/)[0] ?? '';
    if (!authority.replace(/^.*@/, '')) return 'names no host';
    if (/\s/.test(url)) return 'holds white space';
    try {
      new URL(url.replace(/^[a-z+]+:/i, 'http:'));
    } catch {
      return 'is not a valid URL';
    }
    return undefined;
  }
  if (/^[^/:@\s]+@[^:/\s]+:\S/.test(url)) return undefined;
  if (isAbsolute(url)) return undefined;
  return 'is neither a git URL (https://, ssh://, git@host:path) nor an absolute path';
}

/** Maps the stderr of a failed `ls-remote` (already scrubbed) to a problem. */
export function remoteProblemOf(stderr: string): RemoteProblem {
  if (
    /authentication failed|could not read (username|password)|returned error: 40[13]\b|permission denied \(publickey|invalid username or password|access denied/i.test(
      stderr,
    )
  )
    return 'auth_failed';
  if (
    /could not resolve (host|proxy)|failed to connect|couldn't connect|connection refused|connection timed out|operation timed out|network is unreachable|no route to host|connection reset|returned error: 5\d\d|rpc failed|early eof|unexpected disconnect|ssl|gnutls|certificate|host key verification failed/i.test(
      stderr,
    )
  )
    return 'unreachable';
  if (
    /not found|returned error: 404|does not appear to be a git repository|not a git repository|no such file or directory|could not read from remote repository/i.test(
      stderr,
    )
  )
    return 'not_found';
  return 'unreachable';
}

/**
 * Asks a plain git remote, with `git ls-remote` (it changes nothing, and fetches no objects),
 * for its HEAD and, when named, one branch. Plain git cannot tell whether the credentials may
 * push without pushing, so `push` is `unknown`. Failures are values; the credential is scrubbed
 * from every message.
 */
export async function probeGitRemote(
  git: GitCli,
  opts: { url: string; branch?: string; credential?: GitCredential; signal: AbortSignal },
): Promise<RemoteVerification> {
  const invalid = gitUrlProblem(opts.url);
  if (invalid) return { ok: false, problem: 'invalid', message: `the git URL ${invalid}` };
  const secrets = opts.credential ? [opts.credential.password, opts.credential.username] : [];
  const shown = scrub(opts.url, secrets);
  const patterns = ['HEAD', ...(opts.branch ? [`refs/heads/${opts.branch}`] : [])];
  let res: Awaited<ReturnType<GitCli['tryRun']>>;
  try {
    res = await git.tryRun(['ls-remote', '--symref', opts.url, ...patterns], {
      op: 'fetch',
      timeoutMs: PROBE_TIMEOUT_MS,
      maxOutputBytes: 256 * 1024,
      signal: opts.signal,
      ...(opts.credential ? { credential: opts.credential } : {}),
    });
  } catch (err) {
    if (opts.signal.aborted)
      return { ok: false, problem: 'timeout', message: `${shown} did not answer in time` };
    if (err instanceof ForgeError && err.retryable)
      return { ok: false, problem: 'unreachable', message: scrub(err.message, secrets) };
    throw err;
  }
  if (res.code !== 0) {
    if (opts.signal.aborted)
      return { ok: false, problem: 'timeout', message: `${shown} did not answer in time` };
    const tail = res.stderr.trim().split('\n').filter(Boolean).slice(0, 3).join(' ');
    return {
      ok: false,
      problem: remoteProblemOf(res.stderr),
      message: `git ls-remote ${shown} failed: ${scrub(tail, secrets).slice(0, 500)}`,
    };
  }
  const lines = res.stdout.split('\n');
  const headResolves = lines.some((l) => /^[0-9a-f]{40,64}\tHEAD$/.test(l));
  const symref = lines.map((l) => /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(l)?.[1]).find(Boolean);
  return {
    ok: true,
    ...(headResolves && symref ? { headBranch: symref } : {}),
    ...(opts.branch ? { branchExists: lines.some((l) => l.endsWith(`\trefs/heads/${opts.branch}`)) } : {}),
    push: 'unknown',
  };
}
