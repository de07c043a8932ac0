import { isAbsolute } from 'node:path';
import { PassThrough } from 'node:stream';
import { checkBranchName } from '../adapters/workspaces/branch-name.ts';
import { ForgeError, type GitRemote } from '../ports/forge.ts';
import { type GitCli, gitError } from './git-cli.ts';
import { DELIM, FLUSH, type Packet, parsePackets, pkt } from './pkt-line.ts';

export interface BranchProbeOptions {
  signal?: AbortSignal;
  /** Longest wait for the remote; default 60 s. */
  timeoutMs?: number;
  /** Most bytes read from the remote's answer before giving up; default 1 MiB. */
  maxBytes?: number;
}

/** How the probe reaches a remote. */
export type ProbeTransport =
  /** A repository on this host's disk: `git upload-pack <path>` answers directly. */
  | { kind: 'local'; path: string }
  /** Smart HTTP through git's own remote helper (`git remote-https`), with its TLS and proxy settings. */
  | { kind: 'http'; helper: 'remote-http' | 'remote-https' }
  /** ssh, git://, scp-like: `git ls-remote --heads`, which lists every branch. */
  | { kind: 'list-heads' };

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Which way `url` is asked (see {@link ProbeTransport}). */
export function transportOf(url: string): ProbeTransport {
  if (/^https:\/\//i.test(url)) return { kind: 'http', helper: 'remote-https' };
  if (/^http:\/\//i.test(url)) return { kind: 'http', helper: 'remote-http' };
  if (/^file:\/\//i.test(url)) {
    const path = url.slice('file://'.length);
    // A percent-escaped path is left to git's own reading of file:// URLs.
    return isAbsolute(path) && !path.includes('%') ? { kind: 'local', path } : { kind: 'list-heads' };
  }
  if (isAbsolute(url) && !url.startsWith('-')) return { kind: 'local', path: url };
  return { kind: 'list-heads' };
}

/**
 * The head of `branch` on the remote, or undefined when the remote has no such branch — asked so
 * that the remote lists only that branch, whatever its number of branches: a protocol v2 `ls-refs`
 * with `ref-prefix refs/heads/<branch>` (`git ls-remote` of git 2.39 sends only `refs/heads/` and
 * filters on the client). Undefined is said only on a whole answer, ended as the protocol ends
 * it, from a git that exited 0; anything else throws a {@link ForgeError} (a remote that cannot be
 * reached is `GITHUB_UNREACHABLE` or `REPO_NOT_FOUND_OR_NO_ACCESS`, as for every git call). A
 * remote that does not speak v2, and ssh or git:// remotes, are asked with `git ls-remote --heads`.
 * Nothing is fetched: no object crosses, whether or not the branch exists.
 */
export async function remoteBranchHead(
  git: GitCli,
  remote: Pick<GitRemote, 'url' | 'credential'>,
  branch: string,
  opts: BranchProbeOptions = {},
): Promise<string | undefined> {
  checkBranchName(branch);
  const ref = `refs/heads/${branch}`;
  const transport = transportOf(remote.url);
  if (transport.kind !== 'list-heads') {
    const answer = await lsRefs(git, remote, transport, ref, opts);
    if (answer !== 'no-v2') return answer.head;
  }
  const out = await git.run(['ls-remote', '--heads', remote.url, ref], {
    op: 'fetch',
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
    ...(remote.credential ? { credential: remote.credential } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return out
    .split('\n')
    .find((l) => l.endsWith(`\t${ref}`))
    ?.split('\t')[0];
}

/** One `ls-refs` of `ref` as prefix over `transport`; `no-v2` when the remote does not speak v2. */
async function lsRefs(
  git: GitCli,
  remote: Pick<GitRemote, 'url' | 'credential'>,
  transport: Exclude<ProbeTransport, { kind: 'list-heads' }>,
  ref: string,
  opts: BranchProbeOptions,
): Promise<{ head: string | undefined } | 'no-v2'> {
  const request = `${pkt('command=ls-refs\n')}${DELIM}${pkt(`ref-prefix ${ref}\n`)}${FLUSH}`;
  const http = transport.kind === 'http';
  const args = http ? [transport.helper, remote.url, remote.url] : ['upload-pack', transport.path];
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  // The remote helper reads its command through stdio's buffer and the request from the bare
  // descriptor: the request is written only once it has answered the command.
  const stdin = new PassThrough();
  if (http) stdin.write('stateless-connect git-upload-pack\n');
  else stdin.end(request);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  let answered = !http;
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let res: Awaited<ReturnType<GitCli['tryRun']>>;
  try {
    res = await git.tryRun(args, {
      op: 'fetch',
      protocolV2: true,
      stdin,
      signal,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(remote.credential ? { credential: remote.credential } : {}),
      onStdout: (chunk) => {
        size += chunk.length;
        if (size > max) {
          over = true;
          stop.abort();
          return;
        }
        chunks.push(chunk);
        if (answered || !Buffer.concat(chunks).includes(0x0a)) return;
        answered = true;
        // An empty line: connected, the request goes. `fallback` (no v2 there): nothing more to say.
        if (chunks[0]?.[0] === 0x0a) stdin.end(request);
        else stdin.end();
      },
    });
  } catch (err) {
    if (over && !opts.signal?.aborted) throw tooLong(max);
    throw err;
  } finally {
    if (!stdin.writableEnded) stdin.end();
  }
  if (over) throw tooLong(max);
  const out = Buffer.concat(chunks);
  // The helper's own word that the server does not speak v2 (it then exits 1, having nothing to do).
  if (http && out.toString('latin1') === 'fallback\n') return 'no-v2';
  if (res.code !== 0) throw gitError(args, res.stderr, 'fetch');
  if (http && out[0] !== 0x0a) throw garbled('the remote helper did not connect');
  return readAnswer(parsePackets(out, http ? 1 : 0).packets, ref, args);
}

/** The capability advertisement, then the `ls-refs` answer, each ended by a flush. */
function readAnswer(packets: Packet[], ref: string, args: string[]): { head: string | undefined } | 'no-v2' {
  const errorIn = packets.find((p) => p.kind === 'data' && p.text.startsWith('ERR '));
  if (errorIn?.kind === 'data') throw gitError(args, `remote error: ${errorIn.text.slice(4)}`, 'fetch');
  const [first] = packets;
  if (first?.kind !== 'data' || first.text !== 'version 2') return 'no-v2';
  const advertEnd = packets.findIndex((p) => p.kind === 'flush');
  if (advertEnd < 0) throw cut();
  const caps = packets.slice(1, advertEnd).map((p) => (p.kind === 'data' ? p.text : ''));
  if (!caps.some((c) => c === 'ls-refs' || c.startsWith('ls-refs='))) return 'no-v2';
  let head: string | undefined;
  for (const p of packets.slice(advertEnd + 1)) {
    if (p.kind === 'flush') return { head };
    // The helper ends every answer so: here, before the listing's own end, the answer was cut.
    if (p.kind === 'response-end') break;
    if (p.kind !== 'data') throw garbled(`an unexpected ${p.kind} packet in the ref listing`);
    // `<oid> <refname>[ symref-target:... peeled:...]`
    const [oid = '', name = ''] = p.text.split(' ');
    if (!OID.test(oid) || !name.startsWith('refs/')) throw garbled('a malformed ref line');
    if (name === ref) head = oid;
  }
  throw cut();
}

function tooLong(max: number): ForgeError {
  return new ForgeError(
    'INTERNAL_ERROR',
    `the remote listed more than ${max} bytes of refs for one branch; stopped`,
    false,
  );
}

/** The answer ended before the protocol's end: whether the branch is there is not known. */
function cut(): ForgeError {
  return new ForgeError('GITHUB_UNREACHABLE', 'the remote ended its ref listing early', true);
}

function garbled(what: string): ForgeError {
  return new ForgeError(
    'INTERNAL_ERROR',
    `the remote's ref listing did not follow git's protocol: ${what}`,
    false,
  );
}
