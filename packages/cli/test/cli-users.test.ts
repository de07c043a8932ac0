import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { submitTask } from '../../server/src/channels/gateway.ts';
import { loadConfig } from '../../server/src/config/config.ts';
import { createLogger } from '../../server/src/ops/logger.ts';
import { createPool, type Db } from '../../server/src/storage/db.ts';
import { withoutAdmission } from '../../server/test/support/no-admission.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca users link|unlink|identities` and the channel in `abca status` / `abca tasks`, with the
 * compiled CLI against a real server (`abca serve` as a child process).
 */
let served: Served;
let env: Record<string, string>;
let bobKey: string;
let db: Db;
let databaseUrl: string;
const abca = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  databaseUrl = await createTestDatabase('cliusers');
  served = await startServe({ DATABASE_URL: databaseUrl });
  env = { ABCA_HOME: served.home };
  const key = await abca('keys', 'create', 'bob-key', '--user', 'bob', '--json');
  expect(key.code, key.stderr).toBe(0);
  bobKey = JSON.parse(key.stdout).key;
  expect((await abca('keys', 'create', 'carol-key', '--user', 'carol')).code).toBe(0);
  expect((await abca('repos', 'add', 'acme/app', '--forge', 'fake')).code).toBe(0);
  db = createPool(databaseUrl, 2);
});
afterAll(async () => {
  await db?.end();
  if (served) expect(await served.stop()).toBe(0);
});

describe('abca users', () => {
  it('links, lists and unlinks identities', async () => {
    const gh = await abca('users', 'link', 'bob', '--github', 'Bob-GH');
    expect(gh.code, gh.stderr).toBe(0);
    expect(gh.stdout).toContain('Linked GitHub login bob-gh to user bob.');
    const sl = await abca('users', 'link', 'bob', '--slack', 'T0001:U0002', '--json');
    expect(sl.code, sl.stderr).toBe(0);
    expect(JSON.parse(sl.stdout)).toMatchObject({
      provider: 'slack',
      external_id: 'T0001:U0002',
      user_id: 'bob',
    });

    const list = await abca('users', 'identities', 'bob');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^PROVIDER\s+IDENTITY\s+LINKED$/m);
    expect(list.stdout).toMatch(/^github\s+bob-gh\s+/m);
    expect(list.stdout).toMatch(/^slack\s+T0001:U0002\s+/m);

    const un = await abca('users', 'unlink', 'bob', '--slack', 'T0001:U0002');
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toContain('Unlinked Slack user T0001:U0002 from user bob.');
    const json = JSON.parse((await abca('users', 'identities', 'bob', '--json')).stdout);
    expect(json.map((i: { external_id: string }) => i.external_id)).toEqual(['bob-gh']);
  });

  it('says why it refuses: taken, not linked, no such user, another member, bad flags', async () => {
    const taken = await abca('users', 'link', 'carol', '--github', 'bob-gh');
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('IDENTITY_TAKEN');
    expect(taken.stderr).toContain('already linked to user bob');

    const notLinked = await abca('users', 'unlink', 'carol', '--github', 'bob-gh');
    expect(notLinked.code).toBe(5);
    expect(notLinked.stderr).toContain('IDENTITY_NOT_FOUND');

    const noUser = await abca('users', 'identities', 'nobody');
    expect(noUser.code).toBe(5);
    expect(noUser.stderr).toContain('USER_NOT_FOUND');

    const asBob = await runCli(['users', 'identities', 'carol', '--api-key', bobKey], env);
    expect(asBob.code).toBe(4);
    expect(asBob.stderr).toContain('FORBIDDEN');
    const own = await runCli(['users', 'identities', 'bob', '--api-key', bobKey], env);
    expect(own.code, own.stderr).toBe(0);

    for (const args of [
      ['users', 'link', 'bob'],
      ['users', 'link', 'bob', '--github', 'x', '--slack', 'T1:U1'],
    ]) {
      const r = await abca(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('--github <login> or --slack');
    }
    const bad = await abca('users', 'link', 'bob', '--slack', 'U0002');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('<team id>:<user id>');
  });
});

describe('the channel in the task views', () => {
  it('abca status names where the task came from; abca tasks has a channel column', async () => {
    const config = loadConfig({ ABCA_HOME: served.home, DATABASE_URL: databaseUrl });
    const made = await submitTask(
      { db, log: createLogger({ level: 'silent' }), orchestrator: withoutAdmission(db), config },
      {
        userId: 'bob',
        body: { repo: 'acme/app', issue_number: 12, task_description: 'from an issue [fake:turns=1]' },
        channelRef: {
          channel: 'github',
          delivery_id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          owner_repo: 'acme/app',
          issue_number: 12,
          comment_id: 99,
          trigger: 'mention',
          sender: 'bob-gh',
        },
      },
    );
    const status = await abca('status', made.task.task_id);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      /^channel:\s+GitHub acme\/app#12 comment 99 \(mentioned by @bob-gh\) https:\/\/github\.com\/acme\/app\/issues\/12#issuecomment-99$/m,
    );
    const tasks = await abca('tasks');
    expect(tasks.code, tasks.stderr).toBe(0);
    expect(tasks.stdout).toMatch(/^ID\s+STATUS\s+REPO\s+CHANNEL\s+STEP\s+AGE\s+DESCRIPTION/);
    expect(tasks.stdout).toMatch(new RegExp(`^${made.task.task_id}\\s+\\S+\\s+acme/app\\s+github\\s`, 'm'));
    const viaCli = await abca('submit', '--repo', 'acme/app', 'from the CLI [fake:turns=1]');
    const id = /Submitted (\w{26})/.exec(viaCli.stdout)?.[1] as string;
    expect((await abca('status', id)).stdout).toMatch(/^channel:\s+CLI$/m);
  });
});
