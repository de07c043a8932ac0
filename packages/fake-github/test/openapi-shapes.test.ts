import { generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { quiet } from './support/octokit.ts';
import { pushBranch } from './support/push-branch.ts';
import { responseShape, subset, validateShape } from './support/validate-shape.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let gh: FakeGitHub;
let octokit: Octokit;
let pullNumber: number;
let issueNumber: number;

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app' }],
    tokens: { 'ghp-writer': { login: 'alice', permissions: 'write' } },
    app: { appId: 42, privateKeyPem, installationId: 7 },
  });
  octokit = new Octokit({ auth: 'ghp-writer', baseUrl: gh.apiUrl, log: quiet });
  await pushBranch(gh, {
    owner: 'acme',
    name: 'app',
    token: 'ghp-writer',
    branch: 'feat',
    files: { 'a.txt': 'a\n' },
  });
  pullNumber = (
    await octokit.rest.pulls.create({ owner: 'acme', repo: 'app', head: 'feat', base: 'main', title: 'T' })
  ).data.number;
  gh.addReviewComment('acme', 'app', pullNumber, { path: 'a.txt', line: 1, body: 'why?', author: 'bob' });
  issueNumber = gh.addIssue('acme', 'app', {
    title: 'Bug',
    body: 'it breaks',
    comments: [{ author: 'bob', body: 'yes' }],
  });
});

afterAll(() => gh?.close());

/** Each case: the OpenAPI operation, the expected status, and a call returning `{ status, data }`. */
const cases: [string, number, () => Promise<{ status: number; data: unknown }>][] = [
  ['GET /user', 200, () => octokit.rest.users.getAuthenticated()],
  ['GET /repos/{owner}/{repo}', 200, () => octokit.rest.repos.get({ owner: 'acme', repo: 'app' })],
  [
    'GET /repos/{owner}/{repo}/branches/{branch}',
    200,
    () => octokit.rest.repos.getBranch({ owner: 'acme', repo: 'app', branch: 'feat' }),
  ],
  [
    'GET /repos/{owner}/{repo}/git/ref/{ref}',
    200,
    () => octokit.rest.git.getRef({ owner: 'acme', repo: 'app', ref: 'heads/main' }),
  ],
  [
    'GET /repos/{owner}/{repo}/pulls',
    200,
    () => octokit.rest.pulls.list({ owner: 'acme', repo: 'app', state: 'all' }),
  ],
  [
    'POST /repos/{owner}/{repo}/pulls',
    201,
    async () => {
      await pushBranch(gh, {
        owner: 'acme',
        name: 'app',
        token: 'ghp-writer',
        branch: 'f2',
        files: { 'b.txt': 'b\n' },
      });
      return octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'app',
        head: 'acme:f2',
        base: 'main',
        title: 'T2',
      });
    },
  ],
  [
    'GET /repos/{owner}/{repo}/pulls/{pull_number}',
    200,
    () => octokit.rest.pulls.get({ owner: 'acme', repo: 'app', pull_number: pullNumber }),
  ],
  [
    'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
    200,
    () => octokit.rest.pulls.update({ owner: 'acme', repo: 'app', pull_number: pullNumber, body: 'edited' }),
  ],
  [
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
    200,
    () => octokit.rest.pulls.listReviewComments({ owner: 'acme', repo: 'app', pull_number: pullNumber }),
  ],
  [
    'GET /repos/{owner}/{repo}/issues/{issue_number}',
    200,
    () => octokit.rest.issues.get({ owner: 'acme', repo: 'app', issue_number: issueNumber }),
  ],
  [
    'GET /repos/{owner}/{repo}/issues/{issue_number}',
    200,
    () => octokit.rest.issues.get({ owner: 'acme', repo: 'app', issue_number: pullNumber }),
  ],
  [
    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    200,
    () => octokit.rest.issues.listComments({ owner: 'acme', repo: 'app', issue_number: issueNumber }),
  ],
  [
    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    201,
    () =>
      octokit.rest.issues.createComment({
        owner: 'acme',
        repo: 'app',
        issue_number: pullNumber,
        body: 'Done',
      }),
  ],
  ['GET /rate_limit', 200, () => octokit.rest.rateLimit.get()],
  [
    'GET /repos/{owner}/{repo}/installation',
    200,
    () => appOctokit().rest.apps.getRepoInstallation({ owner: 'acme', repo: 'app' }),
  ],
  [
    'POST /app/installations/{installation_id}/access_tokens',
    201,
    () => appOctokit().rest.apps.createInstallationAccessToken({ installation_id: 7 }),
  ],
  [
    'GET /repos/{owner}/{repo}',
    404,
    () => octokit.rest.repos.get({ owner: 'acme', repo: 'missing' }).catch((error) => error.response),
  ],
  [
    'POST /repos/{owner}/{repo}/pulls',
    422,
    () =>
      octokit.rest.pulls
        .create({ owner: 'acme', repo: 'app', head: 'feat', base: 'main', title: 'again' })
        .catch((error) => error.response),
  ],
];

function appOctokit(): Octokit {
  return new Octokit({
    authStrategy: createAppAuth,
    auth: { appId: 42, privateKey: privateKeyPem },
    baseUrl: gh.apiUrl,
  });
}

describe('response bodies match GitHub’s OpenAPI description (openapi/subset.json)', () => {
  it.each(cases)('%s → %i', async (operation, status, call) => {
    const response = await call();
    expect(response.status).toBe(status);
    expect(validateShape(response.data, responseShape(operation, status))).toEqual([]);
  });

  it('covers every operation in the subset', () => {
    const covered = new Set(cases.map(([operation]) => operation));
    expect([...covered].sort()).toEqual(Object.keys(subset.operations).sort());
  });
});

describe('the shape validator', () => {
  const user = responseShape('GET /user', 200);

  it('reports a missing required key, a wrong type and a forbidden null', async () => {
    const { data } = await octokit.rest.users.getAuthenticated();
    const { login: _login, ...withoutLogin } = data as Record<string, unknown>;
    expect(validateShape(withoutLogin, user).join('\n')).toMatch(/\.login: required key missing/);
    expect(validateShape({ ...data, id: 'one' }, user).join('\n')).toMatch(
      /\.id: expected integer, got string/,
    );
    expect(validateShape({ ...data, login: null }, user).join('\n')).toMatch(/\.login: null is not allowed/);
  });

  it('accepts null where the schema allows it', async () => {
    const { data } = await octokit.rest.users.getAuthenticated();
    expect(validateShape({ ...data, bio: null }, user)).toEqual([]);
  });

  it('validates array items', () => {
    const list = responseShape('GET /repos/{owner}/{repo}/pulls', 200);
    expect(validateShape([{ number: 1 }], list).length).toBeGreaterThan(0);
    expect(validateShape([], list)).toEqual([]);
  });
});
