import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFakeGitHub } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingGitServer, startCountingGitServer } from '../../test/support/counting-git-server.ts';
import { makeRemote } from '../../test/support/git-remote.ts';
import { ForgeError } from '../ports/forge.ts';
import { remoteBranchHead, transportOf } from './branch-probe.ts';
import { createGitCli } from './git-cli.ts';
import { FLUSH, pkt } from './pkt-line.ts';

/**
 * The branch probe asks the remote for one branch, so the remote lists that branch alone (checked
 * on the remote's side: the counting server logs each `ls-refs` and its prefixes), tells a
 * missing branch from a remote that cannot answer, and never takes a cut or garbled answer for
 * "absent".
 */
const git = createGitCli();
const BRANCHES = 500;
let remote: string;
let head: string;
let server: CountingGitServer;
let old: CountingGitServer;

beforeAll(async () => {
  remote = makeRemote({ 'README.md': 'hello\n' });
  head = execFileSync('git', ['-C', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
  // Branches whose names start like the ones asked for: a prefix match is not an answer.
  const refs = Array.from({ length: BRANCHES }, (_, i) => `create refs/heads/feature/b-${i} ${head}\n`);
  execFileSync('git', ['-C', remote, 'update-ref', '--stdin'], {
    input: `${refs.join('')}create refs/heads/abca/t-1/work-2 ${head}\n`,
  });
  server = await startCountingGitServer(dirname(remote));
  old = await startCountingGitServer(dirname(remote), { v0: true });
});

afterAll(async () => {
  await server?.close();
  await old?.close();
  rmSync(dirname(remote), { recursive: true, force: true });
});

describe('remoteBranchHead', () => {
  it('over smart HTTP, makes the remote list only the branch asked for', async () => {
    const url = server.url('remote.git');
    const before = server.lsRefs.length;
    expect(await remoteBranchHead(git, { url }, 'feature/b-7')).toBe(head);
    expect(await remoteBranchHead(git, { url }, 'abca/t-1/work')).toBeUndefined();
    expect(await remoteBranchHead(git, { url }, 'feature/b-7000')).toBeUndefined();
    expect(server.lsRefs.slice(before).map((l) => l.prefixes)).toEqual([
      ['refs/heads/feature/b-7'],
      ['refs/heads/abca/t-1/work'],
      ['refs/heads/feature/b-7000'],
    ]);
    expect(server.uploadPackV0).toEqual([]);
  });

  it('on a local path and a file:// URL, answers the same', async () => {
    for (const url of [remote, `file://${remote}`]) {
      expect(transportOf(url)).toEqual({ kind: 'local', path: remote });
      expect(await remoteBranchHead(git, { url }, 'main')).toBe(head);
      expect(await remoteBranchHead(git, { url }, 'feature/b-499')).toBe(head);
      expect(await remoteBranchHead(git, { url }, 'feature/b-4999')).toBeUndefined();
    }
  });

  it('asks a server that speaks only protocol v0 the old way, with the same answers', async () => {
    const url = old.url('remote.git');
    expect(await remoteBranchHead(git, { url }, 'feature/b-3')).toBe(head);
    expect(await remoteBranchHead(git, { url }, 'nope')).toBeUndefined();
    expect(old.uploadPackV0.length).toBeGreaterThanOrEqual(2);
    expect(old.lsRefs).toEqual([]);
  });

  it('sends the credential to a remote that needs it, and a refused one is no access, not absent', async () => {
    const token = 'tok-probe-reader-0123456789';
    const gh = await startFakeGitHub({
      repos: [{ owner: 'acme', name: 'app', private: true }],
      tokens: { [token]: { login: 'reader', permissions: 'read' } },
    });
    try {
      const url = gh.gitUrl('acme', 'app');
      const credential = { url: `${gh.webUrl}/`, username: 'x-access-token', password: token };
      const main = await remoteBranchHead(git, { url, credential }, 'main');
      expect(main).toMatch(/^[0-9a-f]{40}$/);
      expect(await remoteBranchHead(git, { url, credential }, 'no-such-branch')).toBeUndefined();
      const wrong = { ...credential, password: 'tok-wrong-9876543210' };
      for (const c of [wrong, undefined]) {
        const err = await remoteBranchHead(git, { url, ...(c ? { credential: c } : {}) }, 'main').catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ForgeError);
        expect((err as ForgeError).code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');
        expect((err as Error).message).not.toContain('tok-');
      }
    } finally {
      await gh.close();
    }
  });

  it('throws for a remote that cannot be reached or is not there', async () => {
    const refused = await remoteBranchHead(git, { url: 'http://127.0.0.1:1/x.git' }, 'main').catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
    const missing = join(tmpdir(), 'abca-no-such-remote.git');
    for (const url of [missing, `file://${missing}`, server.url('missing.git')]) {
      const err = await remoteBranchHead(git, { url }, 'main').catch((e: unknown) => e);
      expect(err, url).toMatchObject({ code: 'REPO_NOT_FOUND_OR_NO_ACCESS', retryable: false });
    }
  });

  it('refuses a branch name that could smuggle a line into the request', async () => {
    for (const bad of ['a\n0000', '-x', 'a b']) {
      await expect(remoteBranchHead(git, { url: remote }, bad)).rejects.toMatchObject({
        code: 'INTERNAL_ERROR',
      });
    }
  });

  it('stops reading at its byte limit', async () => {
    await expect(
      remoteBranchHead(git, { url: remote }, 'feature/b-1', { maxBytes: 300 }),
    ).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringContaining('more than 300 bytes'),
    });
  });
});

describe('a remote whose answer is cut or garbled', () => {
  const oid = 'a'.repeat(40);
  const answers: Record<string, string> = {
    // The listing stops before its flush: the branch may well be further on.
    cut: pkt(`${oid} refs/heads/other\n`),
    // Nothing at all after the capabilities.
    empty: '',
    garbled: 'this is not git\n',
    error: pkt('ERR upstream is sulking\n'),
    whole: `${pkt(`${oid} refs/heads/topic\n`)}${FLUSH}`,
  };
  let liar: Server;
  let base: string;
  beforeAll(async () => {
    liar = createServer((req, res) => {
      const name = new URL(req.url ?? '/', 'http://x').pathname.split('/')[1] ?? '';
      if (req.method === 'GET') {
        res.setHeader('content-type', 'application/x-git-upload-pack-advertisement');
        res.end(`${pkt('version 2\n')}${pkt('ls-refs=unborn\n')}${pkt('fetch\n')}${FLUSH}`);
        return;
      }
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-git-upload-pack-result');
        res.end(answers[name] ?? '');
      });
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => liar.close(() => r())));

  it('says absent only on a whole answer', async () => {
    expect(await remoteBranchHead(git, { url: `${base}/whole/r.git` }, 'topic')).toBe(oid);
    expect(await remoteBranchHead(git, { url: `${base}/whole/r.git` }, 'topic2')).toBeUndefined();
    const failure = async (name: string) => {
      const err = await remoteBranchHead(git, { url: `${base}/${name}/r.git` }, 'topic').catch(
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(ForgeError);
      return { code: (err as ForgeError).code, retryable: (err as ForgeError).retryable };
    };
    // Cut short: asked again later, it may answer.
    expect(await failure('cut')).toEqual({ code: 'GITHUB_UNREACHABLE', retryable: true });
    expect(await failure('empty')).toEqual({ code: 'GITHUB_UNREACHABLE', retryable: true });
    expect(await failure('garbled')).toEqual({ code: 'INTERNAL_ERROR', retryable: false });
    expect(await failure('error')).toEqual({ code: 'INTERNAL_ERROR', retryable: false });
  });
});
