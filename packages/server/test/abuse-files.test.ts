import { existsSync, readFileSync } from 'node:fs';
import { reply } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AbuseWorld,
  expectHealthyWithinBound,
  RSS_BOUND_BYTES,
  startAbuseWorld,
} from './support/abuse-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';

/**
 * The abuse suite, part 1: what an agent can do with files, its workspace's git config, output
 * and the network, each through a real task (the built-in agent, the scripted model, bubblewrap)
 * on the whole platform in one process. Each case ends with a typed failure or a success, a
 * neighbour task running at the same time completes, the server stays healthy, and its memory
 * (sampled all along) stays under {@link RSS_BOUND_BYTES}.
 */
let world: AbuseWorld;
const TYPED_END = ['COMPLETED', 'FAILED'];

beforeAll(async () => {
  world = await startAbuseWorld();
  const add = (repo: string, settings: Record<string, unknown> = {}) =>
    world.api.request('POST', '/v1/repos', {
      body: { repo, forge: { kind: 'git', url: makeRemote(GREET_OK) }, settings },
    });
  await add('files');
  await add('loud', { test_command: 'yes boom 1>&2' });
  const port = new URL(world.server.url as string).port;
  await add('netlocal', { network_allowlist: [`localhost:${port}`, `127.0.0.1:${port}`] });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

const commit = (file: string) =>
  reply().tool('bash', { command: `echo ok > ${file} && git add ${file} && git commit -qm ${file}` });
const toolCalls = (events: any[], tool: string) =>
  events.filter((e) => e.type === 'agent.tool_call' && e.data.tool === tool);

describe('abuse: files, git config, output, network', () => {
  it('read_file of a symlink to /dev/zero is a tool error, not a server that eats its memory', async () => {
    const { task, neighbour, events } = await world.runCase('dev-zero', 'files', [
      reply().tool('bash', { command: 'ln -sf /dev/zero big.txt' }),
      reply().tool('read_file', { path: 'big.txt' }),
      reply().tool('edit_file', { path: 'big.txt', old_string: 'a', new_string: 'b' }),
      commit('after-zero.md'),
    ]);
    expect(task.status).toBe('COMPLETED');
    expect(neighbour.status).toBe('COMPLETED');
    for (const tool of ['read_file', 'edit_file']) {
      const call = toolCalls(events, tool)[0];
      expect(call.data.is_error).toBe(true);
      expect(call.data.result).toMatch(/not a regular file/);
    }
  });

  it('read_file of a FIFO answers at once', async () => {
    const { task, events } = await world.runCase('fifo', 'files', [
      reply().tool('bash', { command: 'mkfifo pipe' }),
      reply().tool('read_file', { path: 'pipe' }),
      commit('after-fifo.md'),
    ]);
    expect(task.status).toBe('COMPLETED');
    const call = toolCalls(events, 'read_file')[0];
    expect(call.data.result).toMatch(/not a regular file/);
    expect(call.data.duration_ms).toBeLessThan(5_000);
  });

  it('read_file of a 5 GB sparse file is refused unread', async () => {
    const { task, events } = await world.runCase('sparse', 'files', [
      reply().tool('bash', { command: 'truncate -s 5G sparse.bin' }),
      reply().tool('read_file', { path: 'sparse.bin' }),
      reply().tool('bash', { command: 'rm sparse.bin' }),
      commit('after-sparse.md'),
    ]);
    expect(task.status).toBe('COMPLETED');
    const call = toolCalls(events, 'read_file')[0];
    expect(call.data.result).toMatch(/5368709120 bytes; tools read at most/);
    expect(call.data.duration_ms).toBeLessThan(5_000);
  });

  it('an endless stream on stderr, from the agent and from the repo test command, is cut', async () => {
    const { task, events } = await world.runCase('stderr', 'loud', [
      reply().tool('bash', { command: 'yes flood 1>&2' }),
      commit('after-flood.md'),
    ]);
    // The repo's own test command floods too: killed at the output cap in the baseline and the
    // gate alike, so regression_only lets the change through.
    expect(TYPED_END).toContain(task.status);
    const call = toolCalls(events, 'bash')[0];
    expect(call.data.result).toMatch(/^\[stderr\]\nflood\n/);
    expect(call.data.truncated).toBe(true);
    expect(call.data.duration_ms).toBeLessThan(10_000);
    const gate = events.find((e) => e.type === 'finalization.validation');
    expect(gate.data.checks[0]).toMatchObject({ name: 'test', ok: false });
  });

  it("an include of a host file and an includeIf of the workspace's host path to a FIFO: the task ends within seconds of its agent step, the file unread", async () => {
    const adminKey = readFileSync(`${world.home}/admin.key`, 'utf8').trim();
    const { task, events } = await world.runCase('includes', 'files', [
      commit('before-includes.md'),
      reply().tool('bash', {
        command: [
          // The host path of the workspace, as the agent can learn it.
          'hp=$(awk \'$5 == "/workspace" { print $4 }\' /proc/self/mountinfo | head -1)',
          'mkfifo .git/blocker',
          `printf '[include]\\n\\tpath = ${world.home}/admin.key\\n' >> .git/config`,
          'printf \'[includeIf "gitdir:%s/"]\\n\\tpath = /workspace/.git/blocker\\n\' "$hp" >> .git/config',
          'echo "host path: $hp"',
        ].join(' && '),
      }),
    ]);
    expect(task.status).toBe('COMPLETED');
    const finished = events.find((e) => e.type === 'agent.finished');
    const ended = events.findLast((e) => e.type === 'task.status_changed');
    expect(Date.parse(ended.at) - Date.parse(finished.at)).toBeLessThan(15_000);
    expect(JSON.stringify(events)).not.toContain(adminKey);
    // Nor any long piece of it (the secret part may hold underscores itself).
    expect(JSON.stringify(events)).not.toContain(adminKey.slice(-24));
  });

  it('a .gitattributes filter defined in the workspace config never runs on the host', async () => {
    const marker = `/tmp/abca-filter-ran-${process.pid}`;
    const { task } = await world.runCase('filter', 'files', [
      reply().tool('bash', {
        command: [
          `git config filter.evil.clean "touch ${marker}; cat"`,
          `git config filter.evil.smudge "touch ${marker}; cat"`,
          'git config filter.evil.required true',
          'echo "* filter=evil" > .gitattributes',
          'echo data > filtered.md',
        ].join(' && '),
      }),
    ]);
    expect(task.status).toBe('COMPLETED');
    expect(task.outcome.commits.map((c: { subject: string }) => c.subject)).toContain(
      `Uncommitted work of ABCA task ${task.task_id}`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it("an allowlisted name resolving to loopback (the platform's own API) is refused, with the reason", async () => {
    const port = new URL(world.server.url as string).port;
    const { task, events } = await world.runCase('loopback', 'netlocal', [
      reply().tool('bash', {
        // Through the proxy on purpose (NO_PROXY would send localhost straight to the sandbox's empty network).
        command: `for h in localhost 127.0.0.1; do curl -s -m 5 --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w "%{http_code} " http://$h:${port}/healthz; done; true`,
      }),
      commit('after-net.md'),
    ]);
    expect(task.status).toBe('COMPLETED');
    expect(toolCalls(events, 'bash')[0].data.result).toMatch(/^403 403/);
    const blocked = events.filter((e) => e.type === 'sandbox.egress_blocked');
    expect(blocked.map((e) => e.data.host).sort()).toEqual(['127.0.0.1', 'localhost']);
    for (const e of blocked)
      expect(e.data).toMatchObject({ reason: 'private_address', address: '127.0.0.1' });
  });

  it('kept the server healthy, with its RSS under the bound all along', () =>
    expectHealthyWithinBound(world, 'files'));
});
