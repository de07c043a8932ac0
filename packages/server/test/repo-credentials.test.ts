import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RepoInfo } from '@abca/contracts';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createGitForge } from '../src/adapters/forge/git/forge.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { Forge, RepoRef } from '../src/ports/forge.ts';
import { gitCredentialLookup } from '../src/secrets/git-credential-lookup.ts';
import { moveUrlCredentials } from '../src/secrets/move-url-credentials.ts';
import { createRepoCredentials } from '../src/secrets/repo-credentials.ts';
import { loadSecretKey, secretKeyFrom } from '../src/secrets/secret-key.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { sh, writeSeedFiles } from './forge-contract.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Credentials of plain-git repos: given as `user:token@` in a URL or as a token field, they are
 * stored sealed apart from the repo, used by the host's git against a remote that requires HTTP
 * Basic auth (the fake GitHub's `git http-backend`), and never returned, logged or written to disk
 * in the clear. The database starts as one from before this change, with a token in a stored URL.
 */
const token = () => `ghp_${randomBytes(16).toString('hex')}`;
const FIELD_TOKEN = token();
const URL_TOKEN = token();
const LONE_TOKEN = token();
const LEGACY_TOKEN = token();
const NEW_TOKEN = token();
const TOKENS = [FIELD_TOKEN, URL_TOKEN, LONE_TOKEN, LEGACY_TOKEN, NEW_TOKEN];
/** An http(s) URL with userinfo, in any JSON or text (`ssh://git@host` keeps its login name). */
const USERINFO = /https?:\/\/[^/"\s@]*@/i;

let gh: FakeGitHub;
let gitUrl: string;
let p: TestPlatform;
let member: string;
let root: string;
const logs: string[] = [];

const withUserinfo = (userinfo: string) => gitUrl.replace('://', `://${userinfo}@`);
const expectNoSecret = (text: string, where: string) => {
  for (const t of TOKENS) expect(text, `${where} holds a token`).not.toContain(t);
  expect(text, `${where} holds a URL with userinfo`).not.toMatch(USERINFO);
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'abca-creds-'));
  const seed = join(root, 'seed');
  writeSeedFiles(seed);
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app', defaultBranch: 'main', seedDir: seed, private: true }],
    tokens: Object.fromEntries(TOKENS.map((t) => [t, { login: 'abca-bot', permissions: 'write' as const }])),
  });
  gitUrl = gh.gitUrl('acme', 'app');

  // A database from before migration 007: repos onboarded with credentials in their URL.
  const databaseUrl = await createTestDatabase('creds');
  const pool = createPool(databaseUrl, 2);
  await migrate(pool);
  await pool.query(
    "DROP TABLE repo_credentials; DELETE FROM abca_migrations WHERE name = '007_repo_credentials.sql'",
  );
  const legacy: [string, string][] = [
    ['legacy/http', withUserinfo(`abca-bot:${LEGACY_TOKEN}`)],
    ['legacy/ssh', 'ssh://git@git.example.com/r.git'],
    ['legacy/ssh-password', 'ssh://git:hunter2-secret@git.example.com/r.git'],
  ];
  for (const [repo, url] of legacy) {
    await pool.query('INSERT INTO repos (repo, forge) VALUES ($1, $2)', [
      repo,
      JSON.stringify({ kind: 'git', url }),
    ]);
  }
  await pool.end();

  const stream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  p = await startTestPlatform(
    { DATABASE_URL: databaseUrl },
    { log: createLogger({ level: 'debug', stream }) },
  );
  member = await p.userKey('mia');
});

afterAll(async () => {
  await p?.platform.stop();
  await gh?.close();
  rmSync(root, { recursive: true, force: true });
});

const rawRepo = async (repo: string) =>
  (await p.platform.db.query('SELECT forge FROM repos WHERE repo = $1', [repo])).rows[0]?.forge;

describe('start-up: credentials stored in URLs before', () => {
  it('are moved into repo_credentials and stripped from the URL, once', async () => {
    expect(await rawRepo('legacy/http')).toEqual({ kind: 'git', url: gitUrl });
    expect(await rawRepo('legacy/ssh')).toEqual({ kind: 'git', url: 'ssh://git@git.example.com/r.git' });
    expect(await rawRepo('legacy/ssh-password')).toEqual({
      kind: 'git',
      url: 'ssh://git@git.example.com/r.git',
    });
    const rows = (await p.platform.db.query('SELECT repo, origin, username FROM repo_credentials')).rows;
    expect(rows).toEqual([{ repo: 'legacy/http', origin: new URL(gitUrl).origin, username: 'abca-bot' }]);
    const shown = RepoInfo.parse((await p.request('GET', '/v1/repos/legacy%2Fhttp')).body.data);
    expect(shown.forge).toEqual({ kind: 'git', url: gitUrl });
    expect(shown.credential).toMatchObject({ username: 'abca-bot', token: '[redacted]' });
    expect(logs.join('')).toContain('moved credentials out of stored git URLs');

    // Again (the next start, another process): nothing left to move.
    const key = loadSecretKey({ configured: undefined, home: p.home });
    const credentials = createRepoCredentials({ db: p.platform.db, key });
    expect(await moveUrlCredentials(p.platform.db, credentials, createLogger({ level: 'silent' }))).toEqual(
      [],
    );
    expect((await p.platform.db.query('SELECT count(*)::int AS n FROM repo_credentials')).rows[0].n).toBe(1);
  });
});

describe('the API never returns a credential', () => {
  it('POST, GET, list, PATCH and DELETE, with admin and member keys, answer the URL bare and the token redacted', async () => {
    const seen: string[] = [];
    const call = async (method: string, path: string, opts: { key?: string; body?: unknown } = {}) => {
      const res = await p.request(method, path, opts);
      seen.push(`${method} ${path} ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };
    const viaUrl = await call('POST', '/v1/repos', {
      body: { repo: 'secret/url', forge: { kind: 'git', url: withUserinfo(`abca-bot:${URL_TOKEN}`) } },
    });
    expect(viaUrl.status).toBe(201);
    expect(viaUrl.body.data.forge).toEqual({ kind: 'git', url: gitUrl });
    expect(viaUrl.body.data.credential).toMatchObject({ username: 'abca-bot', token: '[redacted]' });
    const viaField = await call('POST', '/v1/repos', {
      body: { repo: 'secret/field', forge: { kind: 'git', url: gitUrl }, credential: { token: FIELD_TOKEN } },
    });
    expect(viaField.status).toBe(201);
    expect(viaField.body.data.credential).toMatchObject({ username: 'x-access-token', token: '[redacted]' });
    // `https://<token>@host`: the user name is the token, so it is not shown either. (The fake
    // GitHub wants the token as the password, so this one is stored without verifying.)
    const lone = await call('POST', '/v1/repos', {
      body: { repo: 'secret/lone', forge: { kind: 'git', url: withUserinfo(LONE_TOKEN) }, verify: false },
    });
    expect(lone.status).toBe(201);
    expect(lone.body.data.credential).toMatchObject({ username: null, token: '[redacted]' });

    for (const key of [p.adminKey, member]) {
      for (const repo of ['secret%2Furl', 'secret/field', 'secret/lone', 'legacy/http']) {
        const got = await call('GET', `/v1/repos/${repo}`, { key });
        expect(got.status).toBe(200);
        expect(got.body.data.credential?.token).toBe('[redacted]');
      }
      const list = await call('GET', '/v1/repos', { key });
      expect(list.body.data.filter((r: RepoInfo) => r.credential).length).toBe(4);
    }

    const settingsOnly = await call('PATCH', '/v1/repos/secret/field', {
      body: { settings: { max_turns: 7 } },
    });
    expect(settingsOnly.body.data.credential).toMatchObject({ username: 'x-access-token' });
    const replaced = await call('PATCH', '/v1/repos/secret/field', {
      body: { credential: { username: 'ci-bot', token: NEW_TOKEN } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data.credential).toMatchObject({ username: 'ci-bot', token: '[redacted]' });
    const samePlace = await call('PATCH', '/v1/repos/secret/url', {
      body: { forge: { kind: 'git', url: `${gitUrl}` } },
    });
    expect(samePlace.body.data.credential).toMatchObject({ username: 'abca-bot' });
    const newUrl = await call('PATCH', '/v1/repos/secret/url', {
      body: { forge: { kind: 'git', url: withUserinfo(`abca-bot:${NEW_TOKEN}`) } },
    });
    expect(newUrl.body.data).toMatchObject({ forge: { url: gitUrl }, credential: { username: 'abca-bot' } });
    const removed = await call('PATCH', '/v1/repos/secret/lone', {
      body: { credential: null, verify: false },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data.credential).toBeNull();
    expect(
      await call('PATCH', '/v1/repos/secret/url', { key: member, body: { credential: null } }),
    ).toMatchObject({
      status: 403,
    });
    expect((await call('DELETE', '/v1/repos/secret/lone')).status).toBe(200);

    for (const line of seen) expectNoSecret(line, line.slice(0, 40));
  });

  it('moving a repo to another host drops its credential (it was given for the old one)', async () => {
    const add = await p.request('POST', '/v1/repos', {
      body: { repo: 'secret/moves', forge: { kind: 'git', url: gitUrl }, credential: { token: FIELD_TOKEN } },
    });
    expect(add.body.data.credential).not.toBeNull();
    const moved = await p.request('PATCH', '/v1/repos/secret/moves', {
      body: { forge: { kind: 'git', url: 'https://git.example.org/acme/app.git' }, verify: false },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data.credential).toBeNull();
    const rows = await p.platform.db.query("SELECT 1 FROM repo_credentials WHERE repo = 'secret/moves'");
    expect(rows.rowCount).toBe(0);
  });

  it('refuses a credential it cannot use with a 400 naming the field, without echoing it', async () => {
    const cases: [unknown, string][] = [
      [{ repo: 'bad/gh', credential: { token: FIELD_TOKEN } }, 'credential'],
      [
        {
          repo: 'bad/twice',
          forge: { kind: 'git', url: withUserinfo(`u:${URL_TOKEN}`) },
          credential: { token: FIELD_TOKEN },
        },
        'credential',
      ],
      [
        { repo: 'bad/ssh', forge: { kind: 'git', url: `ssh://git:${URL_TOKEN}@git.example.com/r.git` } },
        'forge.url',
      ],
      [
        {
          repo: 'bad/nl',
          forge: { kind: 'git', url: gitUrl },
          credential: { token: `${FIELD_TOKEN}\nX: y` },
        },
        'credential.token',
      ],
      [
        {
          repo: 'bad/colon',
          forge: { kind: 'git', url: gitUrl },
          credential: { username: 'a:b', token: FIELD_TOKEN },
        },
        'credential.username',
      ],
      [
        {
          repo: 'bad/path',
          forge: { kind: 'git', url: '/srv/git/r.git' },
          credential: { token: FIELD_TOKEN },
        },
        'credential',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await p.request('POST', '/v1/repos', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      expectNoSecret(JSON.stringify(res.body), field);
    }
    const patch = await p.request('PATCH', '/v1/repos/secret/field', {
      body: { forge: { kind: 'git', url: withUserinfo(`u:${URL_TOKEN}`) }, credential: null },
    });
    expect(patch.status).toBe(400);
    expect((await p.request('GET', '/v1/repos')).body.data.map((r: RepoInfo) => r.repo)).not.toContain(
      'bad/gh',
    );
  });
});

describe('at rest', () => {
  it('repos holds no token, and repo_credentials no plaintext', async () => {
    const repos = await p.platform.db.query('SELECT row_to_json(r)::text AS row FROM repos r');
    for (const { row } of repos.rows) expectNoSecret(row, 'a repos row');
    const creds = await p.platform.db.query(
      'SELECT row_to_json(c)::text AS row, c.* FROM repo_credentials c',
    );
    expect(creds.rowCount).toBeGreaterThanOrEqual(3);
    for (const r of creds.rows) {
      expectNoSecret(r.row, 'a repo_credentials row');
      const stored = Buffer.concat([r.iv, r.ciphertext, r.auth_tag]);
      for (const t of TOKENS) {
        expect(stored.includes(Buffer.from(t))).toBe(false);
        expect(r.row).not.toContain(Buffer.from(t).toString('hex'));
      }
    }
    for (const t of TOKENS) {
      const hits = await p.platform.db.query(
        "SELECT count(*)::int AS n FROM repo_credentials WHERE position(convert_to($1, 'UTF8') IN ciphertext) > 0 OR position(convert_to($1, 'UTF8') IN iv || auth_tag) > 0",
        [t],
      );
      expect(hits.rows[0].n).toBe(0);
    }
  });
});

describe('the host uses the stored credential', () => {
  it('a task pushes through a Basic-auth remote with it; without it pre-flight fails typed', async () => {
    // Without a credential the remote refuses it: stored unverified, so its task shows pre-flight's answer.
    const onboard = async (repo: string, credential?: { token: string }) =>
      expect(
        (
          await p.request('POST', '/v1/repos', {
            body: {
              repo,
              forge: { kind: 'git', url: gitUrl },
              ...(credential ? { credential } : { verify: false }),
            },
          })
        ).status,
      ).toBe(201);
    await onboard('basic/with', { token: FIELD_TOKEN });
    await onboard('basic/without');
    const submit = async (repo: string) =>
      (await p.request('POST', '/v1/tasks', { body: { repo, task_description: 'Touch a file' } })).body.data
        .task_id as string;
    const [withId, legacyId, withoutId] = [
      await submit('basic/with'),
      await submit('legacy/http'),
      await submit('basic/without'),
    ];
    const terminal = (t: { status: string }) =>
      ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status);
    const done = await p.waitFor(withId, terminal, 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect((await p.waitFor(legacyId, terminal, 60_000)).status).toBe('COMPLETED');
    const failed = await p.waitFor(withoutId, terminal, 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');

    // The branches are on the remote, and every git request that got through authenticated with Basic.
    const branches = sh(root, [
      '--git-dir',
      gh.repoPath('acme', 'app'),
      'for-each-ref',
      '--format=%(refname)',
    ]);
    expect(branches).toContain(`refs/heads/${done.branch_name}`);
    const git = gh.requests.filter((r) => r.path.startsWith('/acme/app.git/'));
    expect(git.some((r) => r.path.endsWith('/git-receive-pack') && r.status === 200)).toBe(true);
    expect(git.filter((r) => r.status === 200).every((r) => r.authorization === 'basic')).toBe(true);

    // Nowhere in the clear: events, logs, the workspaces and mirrors (`.git/config` included).
    for (const id of [withId, legacyId, withoutId]) {
      expectNoSecret(JSON.stringify(await p.allEvents(id)), `events of ${id}`);
      expectNoSecret(JSON.stringify((await p.request('GET', `/v1/tasks/${id}`)).body), `task ${id}`);
    }
    expectNoSecret(logs.join(''), 'the logs');
    let files = 0;
    for (const file of filesUnder(p.home)) {
      files++;
      const bytes = readFileSync(file);
      for (const t of TOKENS) expect(bytes.includes(Buffer.from(t)), file).toBe(false);
    }
    expect(files).toBeGreaterThan(20);
  });

  it('a machine with another key fails typed, naming ABCA_SECRET_KEY; a row copied to another repo does not decrypt', async () => {
    const ref = (repo: string): RepoRef => ({
      repo,
      defaultBranch: 'main',
      forge: { kind: 'git', url: gitUrl },
    });
    const forgeWith = (key: ReturnType<typeof secretKeyFrom>) => {
      const local = createLocalGit({
        cacheDir: mkdtempSync(join(root, 'cache-')),
        remote: (r) => forge.gitRemote(r),
      });
      const forge: Forge = createGitForge({
        db: p.platform.db,
        git: local.git,
        mirrors: local.mirrors,
        credentials: gitCredentialLookup(createRepoCredentials({ db: p.platform.db, key })),
      });
      return forge;
    };
    const right = loadSecretKey({ configured: undefined, home: p.home });
    expect(await forgeWith(right).checkAccess(ref('basic/with'))).toEqual({ ok: true });

    const wrong = await forgeWith(secretKeyFrom(randomBytes(32), 'another machine')).checkAccess(
      ref('basic/with'),
    );
    expect(wrong).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
    expect(wrong.ok === false && wrong.message).toContain(
      "the stored credential of basic/with cannot be decrypted with this machine's key: set ABCA_SECRET_KEY",
    );

    await p.platform.db.query(
      `INSERT INTO repo_credentials (repo, origin, username, key_id, iv, ciphertext, auth_tag)
       SELECT 'basic/without', origin, username, key_id, iv, ciphertext, auth_tag FROM repo_credentials
       WHERE repo = 'basic/with'`,
    );
    try {
      const copied = await forgeWith(right).checkAccess(ref('basic/without'));
      expect(copied).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
      expect(copied.ok === false && copied.message).toContain(
        'cannot be decrypted (it was altered or copied',
      );
    } finally {
      await p.platform.db.query("DELETE FROM repo_credentials WHERE repo = 'basic/without'");
    }
    // And without any credential the remote refuses, typed, with nothing secret in the message.
    const none = await forgeWith(right).checkAccess(ref('basic/without'));
    expect(none).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
  });
});

function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(path);
    else if (e.isFile()) yield path;
  }
}
