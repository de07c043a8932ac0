import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingGitServer, startCountingGitServer } from './support/counting-git-server.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * What a task asks a remote with a long history (plain git over smart HTTP, 2,000 branches),
 * counted on the remote's side: pre-flight's branch check makes the remote list the task's branch
 * alone, never every branch; the access check (`push --dry-run`, whose receive-pack lists every
 * ref) runs once for tasks on one repo within ABCA_ACCESS_CHECK_TTL_S, again at once for a changed
 * URL, and again after a push the remote refused for access.
 */
let p: TestPlatform;
let server: CountingGitServer;
let remote: string;
let moved: string;

const terminal = (t: { status: string }) =>
  ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status);

async function runTask(repo: string) {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo, task_description: 'Change something' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return p.waitFor(created.body.data.task_id, terminal, 240_000);
}

/** What each `ls-refs` of `repo` since `from` asked for under refs/heads/. */
function headsAsked(repo: string, from: number): string[][] {
  return server.lsRefs
    .slice(from)
    .filter((l) => l.repo === repo)
    .map((l) => l.prefixes.filter((x) => x.startsWith('refs/heads/') && !x.startsWith('refs/heads/refs/')));
}

beforeAll(async () => {
  remote = makeRemote(GREET_OK);
  const head = execFileSync('git', ['-C', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
  const refs = Array.from({ length: 2000 }, (_, i) => `create refs/heads/abca/old-${i}/x ${head}\n`);
  execFileSync('git', ['-C', remote, 'update-ref', '--stdin'], { input: refs.join('') });
  execFileSync('git', ['-C', remote, 'pack-refs', '--all']);
  moved = join(dirname(remote), 'moved.git');
  execFileSync('git', ['clone', '-q', '--bare', remote, moved]);
  server = await startCountingGitServer(dirname(remote));
  p = await startTestPlatform({ ABCA_ACCESS_CHECK_TTL_S: '600' });
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'long', forge: { kind: 'git', url: server.url('remote.git') } },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
}, 120_000);

afterAll(async () => {
  await p?.platform.stop();
  await server?.close();
});

describe('a task on a remote with a long history', () => {
  it('asks for its own branch only, and one access check serves the tasks after it', async () => {
    const lsFrom = server.lsRefs.length;
    const pushFrom = server.receivePacks.length;
    const first = await runTask('long');
    const second = await runTask('long');
    for (const t of [first, second]) expect(t.status, JSON.stringify(t.error)).toBe('COMPLETED');

    const asked = headsAsked('remote.git', lsFrom);
    // Never the remote's every branch (git's `ls-remote --heads` asks for `refs/heads/`).
    expect(asked.filter((x) => x.includes('refs/heads/'))).toEqual([]);
    // Pre-flight's check that the branch is new: that branch alone, once per task.
    for (const t of [first, second])
      expect(asked.filter((x) => x.length === 1 && x[0] === `refs/heads/${t.branch_name}`)).toHaveLength(1);
    expect(server.uploadPackV0).toEqual([]);
    // Receive-pack lists every ref: two pushes, and one access check for both tasks.
    expect(server.receivePacks.slice(pushFrom)).toEqual(['remote.git', 'remote.git', 'remote.git']);
  }, 300_000);

  it('checks again at once when the repo moves to another URL', async () => {
    const res = await p.request('PATCH', '/v1/repos/long', {
      body: { forge: { kind: 'git', url: server.url('moved.git') } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const pushFrom = server.receivePacks.length;
    const done = await runTask('long');
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    // The access check on the new remote, then the push.
    expect(server.receivePacks.slice(pushFrom)).toEqual(['moved.git', 'moved.git']);
  }, 300_000);

  it('checks again after the remote refused a push for access', async () => {
    // The remote takes the push right away: its remembered check is still trusted.
    execFileSync('git', ['-C', moved, 'config', 'http.receivepack', 'false']);
    const pushFrom = server.receivePacks.length;
    const refused = await runTask('long');
    expect(refused.status).toBe('FAILED');
    expect(refused.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect(server.receivePacks.slice(pushFrom)).toEqual(['moved.git']);
    // The refusal was remembered instead: the next task asks before any work, and stops there.
    const next = await runTask('long');
    expect(next.status).toBe('FAILED');
    expect(next.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    const events = await p.allEvents(next.task_id);
    expect(events.find((e) => e.type === 'preflight.failed')?.data).toMatchObject({ check: 'forge' });
    expect(server.receivePacks.slice(pushFrom)).toEqual(['moved.git', 'moved.git']);
  }, 300_000);
});
