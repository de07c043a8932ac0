import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingGitServer, startCountingGitServer } from './support/counting-git-server.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Tasks on one repo share the mirror's refresh: five tasks submitted at once (fake agent, plain-git
 * forge over smart HTTP) end COMPLETED with their branches pushed, and the remote saw ONE refresh
 * of the default branch for all of them — never a fetch or a listing of every branch or of the
 * tags — and one access check. Each task's change request still reads its own branch as just
 * pushed (one ls-refs naming it).
 */
const TASKS = 5;
let p: TestPlatform;
let server: CountingGitServer;
let remote: string;

beforeAll(async () => {
  remote = makeRemote(GREET_OK);
  // Remote history the tasks have no use for: 300 branches and a tag.
  const head = execFileSync('git', ['-C', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
  const refs = Array.from({ length: 300 }, (_, i) => `create refs/heads/abca/old-${i}/x ${head}\n`);
  execFileSync('git', ['-C', remote, 'update-ref', '--stdin'], {
    input: `${refs.join('')}create refs/tags/v1 ${head}\n`,
  });
  execFileSync('git', ['-C', remote, 'config', 'http.receivepack', 'true']);
  server = await startCountingGitServer(dirname(remote));
  // A window longer than the test: on a busy machine the five hydrations may spread over seconds.
  p = await startTestPlatform({ ABCA_MIRROR_FRESH_MS: '600000' });
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'shared', forge: { kind: 'git', url: server.url('remote.git') } },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
}, 120_000);

afterAll(async () => {
  await p?.platform.stop();
  await server?.close();
});

describe('concurrent tasks on one repo', () => {
  it('trigger one refresh of the mirror', async () => {
    const before = server.lsRefs.length;
    const pushesBefore = server.receivePacks.length;
    const created = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        p.request('POST', '/v1/tasks', { body: { repo: 'shared', task_description: `Change ${i}` } }),
      ),
    );
    const tasks = created.map((c) => {
      expect(c.status, JSON.stringify(c.body)).toBe(201);
      return c.body.data as { task_id: string };
    });
    const done = await Promise.all(
      tasks.map((t) =>
        p.waitFor(
          t.task_id,
          (x) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(x.status),
          240_000,
        ),
      ),
    );
    for (const d of done) expect(d.status, JSON.stringify(d.error)).toBe('COMPLETED');

    // What each ls-refs asked for under refs/heads/ (git adds its lookup variants, `refs/tags/<ref>`...).
    const asked = server.lsRefs
      .slice(before)
      .map((l) => l.prefixes.filter((x) => x.startsWith('refs/heads/') && !x.startsWith('refs/heads/refs/')));
    const tags = server.lsRefs.slice(before).filter((l) => l.prefixes.includes('refs/tags/'));
    // The tasks' hydrations: one refresh of the default branch, whatever the number of tasks.
    expect(asked.filter((x) => x.length === 1 && x[0] === 'refs/heads/main')).toHaveLength(1);
    // Never the remote's whole history.
    expect(tags).toEqual([]);
    // No listing of every branch: pre-flight's check that a task's branch is new asks for that branch.
    expect(asked.filter((x) => x.includes('refs/heads/'))).toEqual([]);
    for (const d of done)
      expect(asked.filter((x) => x.length === 1 && x[0] === `refs/heads/${d.branch_name}`)).toHaveLength(1);
    // Receive-pack lists every ref, and cannot be asked for less: each task's push, and one access
    // check for all of them.
    expect(server.receivePacks.slice(pushesBefore)).toHaveLength(TASKS + 1);
    // Each task's branch reached the remote, and its change request read it from there.
    const onRemote = execFileSync('git', ['-C', remote, 'for-each-ref', '--format=%(refname)'], {
      encoding: 'utf8',
    });
    for (const d of done) {
      expect(onRemote).toContain(`refs/heads/${d.branch_name}`);
      expect(asked.filter((x) => x.includes(`refs/heads/${d.branch_name}`)).length).toBeGreaterThanOrEqual(1);
    }
  }, 300_000);
});
