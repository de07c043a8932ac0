import { describe, expect, it } from 'vitest';
import { ForgeError, type RepoRef } from '../../ports/forge.ts';
import type { WorkCapture } from '../../ports/workspaces.ts';
import { pushToPullRequest } from './push-to-pr.ts';

const repo: RepoRef = { repo: 'acme/app', defaultBranch: 'main', forge: { kind: 'fake' } };
const capture: WorkCapture = {
  head: 'work',
  bundle: Buffer.from('x'),
  commits: [{ sha: 'work', subject: 's' }],
};

/** The remote as the iteration sees it: its branch head, and the pushes asked of it. */
function remote(head: string | undefined, push?: (onto?: string) => string | Error) {
  const pushes: { onto?: string }[] = [];
  const recorded: string[] = [];
  const workspaces = {
    remoteHead: async () => head,
    push: async (_r: RepoRef, o: { onto?: string; beforePush?: (c: string) => Promise<void> }) => {
      pushes.push(o.onto ? { onto: o.onto } : {});
      const out = push ? push(o.onto) : 'work';
      if (out instanceof Error) throw out;
      if (o.onto) await o.beforePush?.(out);
      return { commit: out };
    },
  };
  const rebased = (prior?: string) => ({
    recorded: prior,
    record: async (c: string) => {
      recorded.push(c);
    },
  });
  return { workspaces, pushes, recorded, rebased };
}

const opts = (r: ReturnType<typeof remote>, prior?: string) => ({
  branch: 'abca/x',
  baseCommit: 'base',
  capture,
  rebased: r.rebased(prior),
});

describe('pushToPullRequest', () => {
  it('pushes as it is when the branch is where the task started', async () => {
    const r = remote('base');
    expect(await pushToPullRequest(r.workspaces, repo, opts(r))).toEqual({
      commit: 'work',
      pushed: true,
      rebased: false,
    });
    expect(r.pushes).toEqual([{}]);
  });

  it('rebases onto a moved branch, recording the rebased head before pushing it', async () => {
    const r = remote('theirs', () => 'rebased');
    expect(await pushToPullRequest(r.workspaces, repo, opts(r))).toEqual({
      commit: 'rebased',
      pushed: true,
      rebased: true,
    });
    expect(r.pushes).toEqual([{ onto: 'theirs' }]);
    expect(r.recorded).toEqual(['rebased']);
  });

  it('pushes nothing again after a crash past the push (plain or rebased)', async () => {
    const plain = remote('work');
    expect((await pushToPullRequest(plain.workspaces, repo, opts(plain))).pushed).toBe(false);
    const rebased = remote('rebased');
    expect(await pushToPullRequest(rebased.workspaces, repo, opts(rebased, 'rebased'))).toEqual({
      commit: 'rebased',
      pushed: false,
      rebased: true,
    });
    expect([...plain.pushes, ...rebased.pushes]).toEqual([]);
  });

  it('ends PR_BRANCH_GONE for a deleted branch and PUSH_CONFLICT for a push the remote refused', async () => {
    const gone = remote(undefined);
    await expect(pushToPullRequest(gone.workspaces, repo, opts(gone))).rejects.toMatchObject({
      code: 'PR_BRANCH_GONE',
    });
    expect(gone.pushes).toEqual([]);
    const raced = remote('base', () => new ForgeError('PUSH_REJECTED', 'non-fast-forward', false));
    await expect(pushToPullRequest(raced.workspaces, repo, opts(raced))).rejects.toMatchObject({
      code: 'PUSH_CONFLICT',
    });
  });
});
