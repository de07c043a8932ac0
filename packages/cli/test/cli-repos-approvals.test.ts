import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { EXIT } from '../src/exit-codes.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca repos add/update --approvals` against a real server: a policy the server refuses is
 * reported with the field it names and exits EXIT.USAGE, nothing stored; JSON that does not parse
 * is refused by the CLI itself, naming the flag; a good policy is stored and shown.
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cliapprovals') });
  env = { ABCA_HOME: served.home };
});

afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

describe('abca repos --approvals', () => {
  it('refuses a bad command pattern at add, naming the field; stores nothing', async () => {
    const r = await abca(
      'repos',
      'add',
      'acme/gates',
      '--forge',
      'fake',
      '--approvals',
      '{"tools":{"commands":["^git push","(a+)+"]}}',
    );
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('VALIDATION_ERROR');
    expect(r.stderr).toContain('settings.approvals.tools.commands.1');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    const list = await abca('repos', 'list', '--json');
    expect(list.stdout).not.toContain('acme/gates');
  }, 120_000);

  it('refuses JSON that does not parse before asking the server, naming the flag', async () => {
    const r = await abca('repos', 'add', 'acme/gates-json', '--forge', 'fake', '--approvals', '{plan:true}');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('--approvals');
    expect(r.stderr).toContain('JSON object');
  }, 120_000);

  it('update: an out-of-range timeout is refused naming it; a good policy is stored and shown', async () => {
    expect((await abca('repos', 'add', 'acme/gated', '--forge', 'fake')).code).toBe(EXIT.OK);
    const bad = await abca('repos', 'update', 'acme/gated', '--approvals', '{"push":true,"timeout_s":5}');
    expect(bad.code, bad.stderr).toBe(EXIT.USAGE);
    expect(bad.stderr).toContain('settings.approvals.timeout_s');
    const unknown = await abca(
      'repos',
      'update',
      'acme/gated',
      '--approvals',
      '{"tools":{"paths":["infra/"],"cmds":[]}}',
    );
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toContain('settings.approvals.tools.cmds');
    const good = await abca(
      'repos',
      'update',
      'acme/gated',
      '--approvals',
      '{"plan":true,"tools":{"commands":["^git push"],"paths":["infra/"]},"timeout_s":3600}',
    );
    expect(good.code, good.stderr).toBe(EXIT.OK);
    const shown = await abca('repos', 'show', 'acme/gated', '--json');
    expect(JSON.parse(shown.stdout).settings.approvals).toEqual({
      plan: true,
      tools: { commands: ['^git push'], paths: ['infra/'] },
      timeout_s: 3600,
    });
  }, 120_000);
});
