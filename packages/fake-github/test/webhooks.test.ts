import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { failure, octokitFor } from './support/octokit.ts';

/**
 * What the GitHub channel uses of the fake: issue comments edited in place, reactions, a
 * collaborator's permission, and webhook deliveries in GitHub's shapes, signed with the secret.
 */
let gh: FakeGitHub;
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const SECRET = 'fake-github-webhook-secret';

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [
      { owner: 'acme', name: 'app' },
      { owner: 'acme', name: 'secret', private: true },
    ],
    tokens: {
      writer: { login: 'alice', permissions: 'write' },
      reader: { login: 'rita', permissions: 'read' },
    },
  });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await gh?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('issue comments edited in place', () => {
  it('PATCH edits a comment; its author may, a reader may not edit another’s', async () => {
    const number = gh.addIssue('acme', 'app', { title: 'Edit me' });
    const writer = octokitFor(gh.apiUrl, 'writer');
    const made = await writer.rest.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      body: 'v1',
    });
    const edited = await writer.rest.issues.updateComment({
      owner: 'acme',
      repo: 'app',
      comment_id: made.data.id,
      body: 'v2',
    });
    expect(edited.data).toMatchObject({ id: made.data.id, body: 'v2', user: { login: 'alice' } });
    const read = await writer.rest.issues.getComment({
      owner: 'acme',
      repo: 'app',
      comment_id: made.data.id,
    });
    expect(read.data.body).toBe('v2');
    expect(gh.issueComments('acme', 'app', number)).toEqual([
      expect.objectContaining({ id: made.data.id, body: 'v2', edits: 1 }),
    ]);
    const reader = octokitFor(gh.apiUrl, 'reader');
    const refused = await failure(
      reader.rest.issues.updateComment({ owner: 'acme', repo: 'app', comment_id: made.data.id, body: 'x' }),
    );
    expect(refused.status).toBe(403);
    const own = gh.addIssueComment('acme', 'app', number, { author: 'rita', body: 'mine' });
    await reader.rest.issues.updateComment({
      owner: 'acme',
      repo: 'app',
      comment_id: own,
      body: 'mine, edited',
    });
    const missing = await failure(
      writer.rest.issues.updateComment({ owner: 'acme', repo: 'app', comment_id: 999_999, body: 'x' }),
    );
    expect(missing.status).toBe(404);
  });
});

describe('reactions', () => {
  it('adds one reaction per user and content (201, then 200), on issues and comments', async () => {
    const number = gh.addIssue('acme', 'app', { title: 'React' });
    const commentId = gh.addIssueComment('acme', 'app', number, { author: 'bob', body: 'hi' });
    const writer = octokitFor(gh.apiUrl, 'writer');
    const first = await writer.rest.reactions.createForIssueComment({
      owner: 'acme',
      repo: 'app',
      comment_id: commentId,
      content: 'eyes',
    });
    expect(first.status).toBe(201);
    expect(first.data).toMatchObject({ content: 'eyes', user: { login: 'alice' } });
    const again = await writer.rest.reactions.createForIssueComment({
      owner: 'acme',
      repo: 'app',
      comment_id: commentId,
      content: 'eyes',
    });
    expect(again.status).toBe(200);
    expect(again.data.id).toBe(first.data.id);
    await writer.rest.reactions.createForIssue({
      owner: 'acme',
      repo: 'app',
      issue_number: number,
      content: 'rocket',
    });
    expect(gh.reactions('acme', 'app', { comment: commentId })).toEqual([
      expect.objectContaining({ user: 'alice', content: 'eyes' }),
    ]);
    expect(gh.reactions('acme', 'app', { issue: number })).toEqual([
      expect.objectContaining({ user: 'alice', content: 'rocket' }),
    ]);
    const listed = await writer.rest.reactions.listForIssueComment({
      owner: 'acme',
      repo: 'app',
      comment_id: commentId,
    });
    expect(listed.data).toHaveLength(1);
    const bad = await failure(
      writer.request('POST /repos/{owner}/{repo}/issues/{issue_number}/reactions', {
        owner: 'acme',
        repo: 'app',
        issue_number: number,
        content: 'shrug' as 'eyes',
      }),
    );
    expect(bad.status).toBe(422);
  });
});

describe('collaborator permission', () => {
  it('answers the owner, token holders, collaborators and strangers as GitHub does', async () => {
    gh.setCollaborator('acme', 'app', 'Carol', 'write');
    const o = octokitFor(gh.apiUrl, 'reader');
    const level = async (repo: string, username: string) =>
      (await o.rest.repos.getCollaboratorPermissionLevel({ owner: 'acme', repo, username })).data.permission;
    expect(await level('app', 'acme')).toBe('admin');
    expect(await level('app', 'alice')).toBe('write');
    expect(await level('app', 'carol')).toBe('write');
    expect(await level('app', 'rita')).toBe('read');
    expect(await level('app', 'stranger')).toBe('read');
    const writer = octokitFor(gh.apiUrl, 'writer');
    const priv = await writer.rest.repos.getCollaboratorPermissionLevel({
      owner: 'acme',
      repo: 'secret',
      username: 'stranger',
    });
    expect(priv.data).toMatchObject({ permission: 'none', user: { login: 'stranger' } });
  });
});

describe('webhook deliveries', () => {
  it('sends GitHub’s payload shape with the fake’s issue, signed with the secret', async () => {
    const number = gh.addIssue('acme', 'app', { title: 'Label me', body: 'please' });
    const answer = await gh.sendWebhook(receiverUrl, {
      event: 'issues',
      action: 'labeled',
      owner: 'acme',
      name: 'app',
      number,
      sender: 'alice',
      label: 'abca',
      secret: SECRET,
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toBe('{"ok":true}');
    const got = received.at(-1);
    if (!got) throw new Error('nothing received');
    expect(got.headers['x-github-event']).toBe('issues');
    expect(got.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.headers['x-hub-signature-256']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(got.body).digest('hex')}`,
    );
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({
      action: 'labeled',
      issue: { number, title: 'Label me', labels: [{ name: 'abca' }], user: { login: 'acme' } },
      label: { name: 'abca' },
      repository: { full_name: 'acme/app', owner: { login: 'acme' } },
      sender: { login: 'alice', type: 'User' },
    });
    expect(payload.installation).toBeUndefined();
    expect(payload.organization).toBeUndefined();
  });

  it('builds a comment delivery that a test may alter and send twice', async () => {
    const number = gh.addIssue('acme', 'app', { title: 'Mention' });
    const commentId = gh.addIssueComment('acme', 'app', number, { author: 'rita', body: '@abca do it' });
    const delivery = gh.webhookDelivery({
      event: 'issue_comment',
      action: 'created',
      owner: 'acme',
      name: 'app',
      number,
      commentId,
      sender: 'rita',
      secret: SECRET,
      deliveryId: 'fixed-delivery-1',
    });
    expect(JSON.parse(delivery.body)).toMatchObject({
      action: 'created',
      comment: { id: commentId, body: '@abca do it', user: { login: 'rita' } },
      issue: { number },
    });
    await gh.sendWebhook(receiverUrl, delivery);
    await gh.sendWebhook(receiverUrl, delivery);
    const last = received.slice(-2);
    expect(last.map((r) => r.headers['x-github-delivery'])).toEqual(['fixed-delivery-1', 'fixed-delivery-1']);
    expect(last[0]?.body).toBe(last[1]?.body);
  });
});
