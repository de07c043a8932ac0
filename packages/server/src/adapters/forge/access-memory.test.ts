import { describe, expect, it } from 'vitest';
import type { Forge, ForgeCheck, GitRemote, RepoRef } from '../../ports/forge.ts';
import { createAccessMemory } from './access-memory.ts';
import { rememberAccess } from './remember-access.ts';

const repo: RepoRef = {
  repo: 'acme/app',
  defaultBranch: 'main',
  forge: { kind: 'git', url: 'https://git.example/app.git' },
};
const remote: GitRemote = {
  url: 'https://git.example/app.git',
  publicUrl: 'https://git.example/app.git',
  credential: { url: 'https://git.example/', username: 'bot', password: 'secret-token-1' },
};

/** A check that counts its calls and answers `answer`; after `hold()`, only once `open()` is called. */
function counted(answer: ForgeCheck = { ok: true }) {
  const calls = { n: 0 };
  let gate: Promise<void> | undefined;
  let open = () => {};
  return {
    calls,
    check: async (): Promise<ForgeCheck> => {
      calls.n++;
      await gate;
      return answer;
    },
    hold() {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    open() {
      gate = undefined;
      open();
    },
  };
}

describe('access memory', () => {
  it('remembers a success for its TTL, from when the check began', async () => {
    let now = 1_000;
    const memory = createAccessMemory({ ttlMs: 60_000, now: () => now });
    const c = counted();
    expect(await memory.check(repo, remote, c.check)).toEqual({ ok: true });
    now += 59_999;
    expect(await memory.check(repo, remote, c.check)).toEqual({ ok: true });
    expect(c.calls.n).toBe(1);
    now += 1;
    await memory.check(repo, remote, c.check);
    expect(c.calls.n).toBe(2);
  });

  it('never remembers a failure', async () => {
    const memory = createAccessMemory({ ttlMs: 60_000 });
    const c = counted({ ok: false, code: 'INSUFFICIENT_PERMISSIONS', message: 'no push' });
    for (let i = 0; i < 3; i++) expect((await memory.check(repo, remote, c.check)).ok).toBe(false);
    expect(c.calls.n).toBe(3);
    expect(memory.size()).toBe(0);
  });

  it('checks again for another credential, URL, forge setting or default branch', async () => {
    const memory = createAccessMemory({ ttlMs: 60_000 });
    const c = counted();
    await memory.check(repo, remote, c.check);
    const rotated = { ...remote, credential: { ...remote.credential!, password: 'secret-token-2' } };
    await memory.check(repo, rotated, c.check);
    await memory.check(repo, { ...remote, url: 'https://git.example/moved.git' }, c.check);
    await memory.check(repo, { url: remote.url, publicUrl: remote.publicUrl }, c.check);
    await memory.check(
      { ...repo, forge: { kind: 'git', url: 'https://git.example/moved.git' } },
      remote,
      c.check,
    );
    await memory.check({ ...repo, defaultBranch: 'trunk' }, remote, c.check);
    expect(c.calls.n).toBe(6);
    // Each of them is now remembered on its own.
    await memory.check(repo, rotated, c.check);
    await memory.check(repo, remote, c.check);
    expect(c.calls.n).toBe(6);
  });

  it('shares one running check between callers that ask at once', async () => {
    const memory = createAccessMemory({ ttlMs: 60_000 });
    const c = counted();
    c.hold();
    const all = Promise.all(Array.from({ length: 5 }, () => memory.check(repo, remote, c.check)));
    await new Promise((r) => setImmediate(r));
    c.open();
    expect(await all).toEqual(Array(5).fill({ ok: true }));
    expect(c.calls.n).toBe(1);
  });

  it('forgets a repo (a push refused for access), also a check that was running then', async () => {
    const memory = createAccessMemory({ ttlMs: 60_000 });
    const c = counted();
    const other: RepoRef = { ...repo, repo: 'acme/other' };
    await memory.check(repo, remote, c.check);
    await memory.check(other, remote, c.check);
    memory.forget(repo);
    await memory.check(repo, remote, c.check);
    await memory.check(other, remote, c.check);
    expect(c.calls.n).toBe(3);

    memory.forget(repo);
    c.hold();
    const running = memory.check(repo, remote, c.check);
    await new Promise((r) => setImmediate(r));
    memory.forget(repo);
    c.open();
    expect(await running).toEqual({ ok: true });
    await memory.check(repo, remote, c.check);
    expect(c.calls.n).toBe(5);
  });

  it('with a TTL of 0, checks every time', async () => {
    const memory = createAccessMemory({ ttlMs: 0 });
    const c = counted();
    for (let i = 0; i < 3; i++) await memory.check(repo, remote, c.check);
    expect(c.calls.n).toBe(3);
  });
});

describe('rememberAccess over a forge', () => {
  const forgeWith = (c: ReturnType<typeof counted>, gitRemote: () => Promise<GitRemote>): Forge =>
    ({ kind: 'git', checkAccess: c.check, gitRemote }) as unknown as Forge;

  it('keys the memory by the forge’s remote now: a credential stored anew is checked again', async () => {
    const c = counted();
    let current = remote;
    const forge = rememberAccess(
      forgeWith(c, async () => current),
      createAccessMemory({ ttlMs: 60_000 }),
    );
    expect(forge.kind).toBe('git');
    await forge.checkAccess(repo);
    await forge.checkAccess(repo);
    expect(c.calls.n).toBe(1);
    current = { ...remote, credential: { ...remote.credential!, password: 'secret-token-3' } };
    await forge.checkAccess(repo);
    expect(c.calls.n).toBe(2);
  });

  it('checks without the memory when the remote cannot be resolved', async () => {
    const c = counted({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS', message: 'no forge' });
    const forge = rememberAccess(
      forgeWith(c, async () => {
        throw new Error('no such forge');
      }),
      createAccessMemory({ ttlMs: 60_000 }),
    );
    expect(await forge.checkAccess(repo)).toMatchObject({ ok: false });
    expect(await forge.checkAccess(repo)).toMatchObject({ ok: false });
    expect(c.calls.n).toBe(2);
  });
});
