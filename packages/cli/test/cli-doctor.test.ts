import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeSlack, startFakeSlack } from '@abca/fake-slack';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, startServe, tempHome } from './support/cli.ts';

/**
 * `abca doctor` asks the server: its configuration and a one-token request to its model come from
 * the server's environment, never from the shell doctor runs in. One state folder has one API
 * server, and the client finds it through ABCA_PORT too.
 */
const MODEL_KEY = 'sk-doctor-secret-key-5e7c1a9b3d';
let model: ScriptedModelServer;
let slack: FakeSlack;
let served: Served;

interface Report {
  ok: boolean;
  checks: { name: string; where: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string }[];
}

beforeAll(async () => {
  model = await createScriptedModelServer();
  slack = await startFakeSlack({ signingSecret: 'slack-signing-secret-for-doctor-01' });
  served = await startServe({
    ABCA_SLACK_SIGNING_SECRET: 'slack-signing-secret-for-doctor-01',
    ABCA_SLACK_BOT_TOKEN: slack.botToken,
    ABCA_SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: await createTestDatabase('cli_doctor'),
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:model-kit',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MODEL_API_KEY: MODEL_KEY,
    ABCA_SANDBOX: 'local',
  });
});

afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
  await model?.close();
  await slack?.close();
});

const portOf = (url: string) => new URL(url).port;

describe('abca doctor against a running server', () => {
  it('reports the server’s model (asked with one token), not this shell’s missing ABCA_MODEL', async () => {
    model.reset();
    model.script(reply().text('ok'));
    // The shell has no ABCA_MODEL and no key of any provider: only the server has them.
    const r = await runCli(['doctor', '--json'], { ABCA_HOME: served.home });
    const report = JSON.parse(r.stdout) as Report;
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(check('model')).toMatchObject({ where: 'server', status: 'ok' });
    expect(check('model')?.detail).toContain('openai-compatible:model-kit');
    expect(check('model')?.detail).toMatch(/answered in \d+ ms/);
    expect(model.requests).toHaveLength(1);
    // The configuration is the server's: the local backend it was started with.
    expect(check('sandbox')).toMatchObject({ where: 'server', status: 'warn' });
    expect(check('configuration')?.detail).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/cli_doctor/);
    expect(check('server')).toMatchObject({ where: 'server', status: 'ok' });
    expect(check('channel: github')).toMatchObject({ where: 'server', status: 'ok' });
    expect(check('channel: github')?.detail).toContain('not configured');
    // Slack is asked who the bot is, with the server's token (never shown).
    expect(check('channel: slack')).toMatchObject({ where: 'server', status: 'ok' });
    expect(check('slack answers')).toMatchObject({ where: 'server', status: 'ok' });
    expect(check('slack answers')?.detail).toContain('team ABCA Fake');
    expect(r.stdout).not.toContain(slack.botToken);
    // Only this machine's own tools are judged locally; nothing from this shell's environment.
    for (const name of ['Node.js', 'git', 'sandbox: bubblewrap'])
      expect(check(name)?.where, name).toBe('local');
    expect(r.stdout).not.toContain('ABCA_MODEL is not set');
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(MODEL_KEY);
  });

  it('fails the model check with the provider’s answer and a remedy, without the key', async () => {
    model.reset();
    model.script(reply().error(401, `invalid api key ${MODEL_KEY}`));
    const r = await runCli(['doctor'], { ABCA_HOME: served.home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Server at http:\/\/127\.0\.0\.1:\d+:/);
    expect(r.stdout).toMatch(
      /✗ fail\s+model: openai-compatible:model-kit at .* did not answer: MODEL_REQUEST_REJECTED/,
    );
    expect(r.stdout).toContain('fix: check the model name and its key on the server');
    expect(r.stdout).not.toContain(MODEL_KEY);
  });

  it('GET /v1/admin/config shows which secrets are set, never their values; members are refused', async () => {
    const key = readFileSync(join(served.home, 'admin.key'), 'utf8').trim();
    const res = await fetch(`${served.url}/v1/admin/config`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(MODEL_KEY);
    const body = JSON.parse(text) as { data: any };
    expect(body.data.model).toMatchObject({
      ref: 'openai-compatible:model-kit',
      provider: 'openai-compatible',
      base_url: model.baseUrl,
      credentials_set: true,
    });
    expect(body.data.agent_runtime).toBe('builtin');
    expect(body.data.database.kind).toBe('external');
    expect(body.data.database.location).not.toMatch(/@|password/);
    expect(body.data.forges.map((f: { kind: string }) => f.kind)).toEqual(['git', 'github', 'fake']);
    const member = await runCli(['keys', 'create', 'doctor-member', '--json'], { ABCA_HOME: served.home });
    const memberKey = (JSON.parse(member.stdout) as { key: string }).key;
    const refused = await fetch(`${served.url}/v1/admin/config`, {
      headers: { authorization: `Bearer ${memberKey}` },
    });
    expect(refused.status).toBe(403);
    const viaDoctor = await runCli(['doctor', '--json', '--api-key', memberKey], { ABCA_HOME: served.home });
    const server = (JSON.parse(viaDoctor.stdout) as Report).checks.find((c) => c.name === 'server');
    expect(server).toMatchObject({ status: 'warn', detail: expect.stringContaining('admin key') });
  });
});

describe('one API server per state folder', () => {
  it('refuses a second `abca serve` on the same folder and leaves the first reachable', async () => {
    const before = readFileSync(join(served.home, 'server.json'), 'utf8');
    const second = await runCli(['serve', '--port', '0'], {
      ABCA_HOME: served.home,
      DATABASE_URL: await createTestDatabase('cli_doctor_second'),
      ABCA_AGENT_RUNTIME: 'fake',
      ABCA_LOG_LEVEL: 'warn',
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already running on the state folder');
    expect(second.stderr).toContain(`pid ${served.child.pid}`);
    expect(second.stderr).toContain('ABCA_HOME=<another folder>');
    expect(readFileSync(join(served.home, 'server.json'), 'utf8')).toBe(before);
    const tasks = await runCli(['tasks'], { ABCA_HOME: served.home });
    expect(tasks.code, tasks.stderr).toBe(0);
  });
});

describe('the server URL', () => {
  it('is found through ABCA_PORT, after --url and ABCA_URL', async () => {
    const key = readFileSync(join(served.home, 'admin.key'), 'utf8').trim();
    const elsewhere = { ABCA_HOME: tempHome(), ABCA_API_KEY: key };
    const viaPort = await runCli(['tasks', '--json'], { ...elsewhere, ABCA_PORT: portOf(served.url) });
    expect(viaPort.code, viaPort.stderr).toBe(0);
    // ABCA_URL wins over ABCA_PORT, and --url over both.
    const urlWins = await runCli(['tasks'], {
      ...elsewhere,
      ABCA_PORT: portOf(served.url),
      ABCA_URL: 'http://127.0.0.1:9',
    });
    expect(urlWins.code).toBe(3);
    expect(urlWins.stderr).toContain('http://127.0.0.1:9');
    const flagWins = await runCli(['tasks', '--url', served.url], { ...elsewhere, ABCA_PORT: '9' });
    expect(flagWins.code, flagWins.stderr).toBe(0);
  });
});
