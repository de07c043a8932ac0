import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { gitOk, tempDir } from './support/git-client.ts';
import { octokitFor } from './support/octokit.ts';
import { pushBranch } from './support/push-branch.ts';

/**
 * What a person does on GitHub (the driver) and what ABCA does over GraphQL, with the webhook
 * deliveries each sends: signed with the secret, in the shape of GitHub's own example payloads.
 */
const SECRET = 'pr-loop-secret';
const r = { owner: 'acme', repo: 'app' };
let gh: FakeGitHub;
let receiver: Server;
const received: { event: string; signature: string; body: string }[] = [];

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

/** Checked by the fake's REST shape tests; `changes` differs per action. */
const SHARED = ['repository', 'sender', 'changes'];
/** Keys GitHub's examples show that GitHub omits when there is nothing to say. */
const OPTIONAL = ['deployment'];

/** Every key of GitHub's example payload for the event and action, at the top and one level down. */
function expectGitHubShape(event: string, payload: Record<string, unknown>) {
  const ofEvent = examples.find((e) => e.name === event)?.examples ?? [];
  const example = ofEvent.find((e) => e.action === payload.action) ?? ofEvent[0];
  expect(example, `an example for ${event}`).toBeDefined();
  for (const [key, value] of Object.entries(example!)) {
    if (key === 'organization' || key === 'installation' || key === 'enterprise') continue;
    expect(payload, `${event}.${key}`).toHaveProperty(key);
    if (!value || typeof value !== 'object' || Array.isArray(value) || SHARED.includes(key)) continue;
    for (const inner of Object.keys(value)) {
      if (OPTIONAL.includes(inner)) continue;
      expect(payload[key], `${event}.${key}.${inner}`).toHaveProperty(inner);
    }
  }
}

/** The deliveries received since `from`, each verified against the secret. */
async function deliveries(from: number) {
  await gh.settleWebhooks();
  const out: { event: string; payload: Record<string, any> }[] = [];
  for (const d of received.slice(from)) {
    expect(await verify(SECRET, d.body, d.signature)).toBe(true);
    const payload = JSON.parse(d.body) as Record<string, any>;
    expectGitHubShape(d.event, payload);
    out.push({ event: d.event, payload });
  }
  return out;
}

const target = () => ({
  url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
  secret: SECRET,
});

let n = 0;
async function openPull() {
  const branch = `ev-${n++}`;
  await pushBranch(gh, {
    owner: 'acme',
    name: 'app',
    token: 'bot',
    branch,
    files: { [`${branch}.txt`]: 'one\ntwo\nthree\n' },
  });
  const pr = (
    await octokitFor(gh.apiUrl, 'bot').rest.pulls.create({ ...r, head: branch, base: 'main', title: 'T' })
  ).data;
  // Its `pull_request.opened` delivery is checked once, below; tests look at what follows it.
  await gh.settleWebhooks();
  mark = received.length;
  return { number: pr.number, branch, head: pr.head.sha };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-github-event']),
        signature: String(req.headers['x-hub-signature-256']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app' }],
    tokens: {
      bot: { login: 'abca-bot', permissions: 'write' },
      reader: { login: 'rita', permissions: 'read' },
    },
    webhooks: target(),
  });
});
afterAll(async () => {
  await gh?.close();
  await new Promise((done) => receiver?.close(done));
});
let mark = 0;
beforeEach(() => {
  mark = received.length;
});

describe('a person on GitHub, and the deliveries it sends', () => {
  it('a review: pull_request_review (submitted) and one pull_request_review_comment per line comment', async () => {
    const pr = await openPull();
    const review = await gh.submitReview('acme', 'app', pr.number, {
      reviewer: 'octo',
      event: 'REQUEST_CHANGES',
      body: 'Please fix.',
      comments: [
        { path: `${pr.branch}.txt`, line: 1, body: 'One' },
        { path: `${pr.branch}.txt`, line: 3, body: 'Three' },
      ],
    });
    const got = await deliveries(mark);
    expect(got.map((d) => d.event)).toEqual([
      'pull_request_review',
      'pull_request_review_comment',
      'pull_request_review_comment',
    ]);
    expect(got[0]!.payload).toMatchObject({
      action: 'submitted',
      review: { id: review.id, state: 'changes_requested', body: 'Please fix.', user: { login: 'octo' } },
      pull_request: { number: pr.number, head: { sha: pr.head } },
      sender: { login: 'octo' },
    });
    expect(got[1]!.payload.comment).toMatchObject({
      body: 'One',
      line: 1,
      path: `${pr.branch}.txt`,
      pull_request_review_id: review.id,
    });
    await expect(
      gh.submitReview('acme', 'app', pr.number, {
        reviewer: 'octo',
        event: 'COMMENT',
        comments: [{ path: `${pr.branch}.txt`, line: 40, body: 'x' }],
      }),
    ).rejects.toThrow(/line must be part of the diff/);
  });

  it('a reply and a resolution; GraphQL reads thread ids, replies and resolves as ABCA would', async () => {
    const pr = await openPull();
    const review = await gh.submitReview('acme', 'app', pr.number, {
      reviewer: 'octo',
      event: 'COMMENT',
      comments: [{ path: `${pr.branch}.txt`, line: 2, body: 'Hmm' }],
    });
    const rootId = review.commentIds[0]!;
    await gh.replyToReviewComment('acme', 'app', pr.number, rootId, { author: 'octo', body: 'Also…' });
    const bot = octokitFor(gh.apiUrl, 'bot');
    const read = await bot.graphql<any>(
      `query($n: Int!) { repository(owner: "acme", name: "app") { pullRequest(number: $n) {
        reviewThreads(last: 10) { nodes { id isResolved comments(first: 10) { nodes { id databaseId body createdAt } } } }
      } } }`,
      { n: pr.number },
    );
    const thread = read.repository.pullRequest.reviewThreads.nodes[0];
    expect(thread.comments.nodes.map((c: any) => [c.databaseId, c.body])).toEqual([
      [rootId, 'Hmm'],
      [expect.any(Number), 'Also…'],
    ]);
    const node = await bot.graphql<any>(
      'query($id: ID!) { node(id: $id) { ... on PullRequestReviewThread { id isResolved pullRequest { number } } } }',
      { id: thread.id },
    );
    expect(node.node).toEqual({ id: thread.id, isResolved: false, pullRequest: { number: pr.number } });
    const reply = await bot.graphql<any>(
      'mutation($id: ID!, $body: String!) { addPullRequestReviewThreadReply(input: {pullRequestReviewThreadId: $id, body: $body}) { comment { databaseId body author { login } } } }',
      { id: thread.id, body: 'Fixed in abc.' },
    );
    expect(reply.addPullRequestReviewThreadReply.comment).toMatchObject({
      body: 'Fixed in abc.',
      author: { login: 'abca-bot' },
    });
    const resolved = await bot.graphql<any>(
      'mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }',
      { id: thread.id },
    );
    expect(resolved.resolveReviewThread.thread).toEqual({ id: thread.id, isResolved: true });
    expect(gh.reviewThreads('acme', 'app', pr.number)).toEqual([
      expect.objectContaining({ id: thread.id, resolved: true, bodies: ['Hmm', 'Also…', 'Fixed in abc.'] }),
    ]);
    const reader = octokitFor(gh.apiUrl, 'reader');
    await expect(
      reader.graphql(
        'mutation($id: ID!) { unresolveReviewThread(input: {threadId: $id}) { thread { id } } }',
        { id: thread.id },
      ),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'FORBIDDEN' })] });
    await expect(
      bot.graphql('mutation { resolveReviewThread(input: {threadId: "nope"}) { thread { id } } }'),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'NOT_FOUND' })] });
    const got = await deliveries(mark);
    expect(got.map((d) => `${d.event}.${d.payload.action}`)).toEqual([
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
      // Each reply is a review of its own (state `commented`, empty body), as GitHub sends it.
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
      'pull_request_review_thread.resolved',
    ]);
    expect(got[2]!.payload.review).toMatchObject({ state: 'commented', body: '' });
    expect(got[6]!.payload.thread).toMatchObject({ node_id: thread.id, comments: [{ id: rootId }, {}, {}] });
  });

  it('a failed check run and its suite (completed), a failing status, with their logs', async () => {
    const pr = await openPull();
    await gh.completeCheckRun('acme', 'app', {
      headSha: pr.head,
      name: 'test',
      conclusion: 'failure',
      output: { title: 'Tests', summary: '1 failed', text: 'FAIL x.test.ts' },
    });
    await gh.setStatus('acme', 'app', {
      sha: pr.head,
      state: 'error',
      context: 'ci/legacy',
      description: 'Broke',
      targetUrl: 'https://ci.example/9',
    });
    const got = await deliveries(mark);
    expect(got.map((d) => `${d.event}.${d.payload.action ?? ''}`)).toEqual([
      'check_run.created',
      'check_run.completed',
      'check_suite.completed',
      'status.',
    ]);
    expect(got[1]!.payload.check_run).toMatchObject({
      name: 'test',
      conclusion: 'failure',
      output: { text: 'FAIL x.test.ts' },
      app: { slug: 'github-actions' },
      pull_requests: [{ number: pr.number }],
    });
    expect(got[2]!.payload.check_suite).toMatchObject({ conclusion: 'failure', head_sha: pr.head });
    expect(got[3]!.payload).toMatchObject({
      sha: pr.head,
      state: 'error',
      context: 'ci/legacy',
      target_url: 'https://ci.example/9',
    });
  });

  it('labels, a human commit, a comment, close and merge: pull_request and issue_comment', async () => {
    const pr = await openPull();
    await gh.addLabel('acme', 'app', pr.number, 'abca:stop', { by: 'octo' });
    await gh.removeLabel('acme', 'app', pr.number, 'abca:stop', { by: 'octo' });
    const human = await gh.pushCommit('acme', 'app', pr.branch, {
      file: 'b.txt',
      content: 'b\n',
      author: 'octo',
    });
    await gh.postIssueComment('acme', 'app', pr.number, { author: 'octo', body: '@abca please rebase' });
    await gh.close('acme', 'app', pr.number, { by: 'octo' }); // the same as closePull
    await gh.closePull('acme', 'app', pr.number, { by: 'octo', reopen: true });
    const sha = await gh.merge('acme', 'app', pr.number, { by: 'octo', sha: human });
    const got = await deliveries(mark);
    expect(got.map((d) => `${d.event}.${d.payload.action}`)).toEqual([
      'pull_request.labeled',
      'pull_request.unlabeled',
      'pull_request.synchronize',
      'issue_comment.created',
      'pull_request.closed',
      'pull_request.reopened',
      'pull_request.closed',
    ]);
    expect(got[0]!.payload).toMatchObject({
      label: { name: 'abca:stop' },
      pull_request: { labels: [{ name: 'abca:stop' }] },
    });
    expect(got[2]!.payload.pull_request.head.sha).toBe(human);
    expect(got[3]!.payload).toMatchObject({
      issue: { number: pr.number, pull_request: {} },
      comment: { body: '@abca please rebase' },
    });
    expect(got[4]!.payload.pull_request).toMatchObject({ state: 'closed', merged: false });
    expect(got[6]!.payload.pull_request).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: sha,
    });
    expect(gh.pulls('acme', 'app').find((p) => p.number === pr.number)).toMatchObject({
      merged: true,
      mergeCommitSha: sha,
    });
    expect(gh.deliveries.slice(-1)[0]).toMatchObject({
      event: 'pull_request',
      action: 'closed',
      status: 202,
    });
  });

  it('sends a delivery for what ABCA does over REST too (opening, a comment), and none once stopped', async () => {
    const from = received.length;
    const pr = await openPull();
    expect((await deliveries(from)).map((d) => [d.event, d.payload.action, d.payload.number])).toEqual([
      ['pull_request', 'opened', pr.number],
    ]);
    await octokitFor(gh.apiUrl, 'bot').rest.issues.createComment({
      ...r,
      issue_number: pr.number,
      body: 'Done.',
    });
    expect((await deliveries(mark)).map((d) => [d.event, d.payload.sender.login])).toEqual([
      ['issue_comment', 'abca-bot'],
    ]);
    gh.deliverWebhooks(undefined);
    await gh.addLabel('acme', 'app', pr.number, 'quiet');
    expect(await deliveries(mark + 1)).toEqual([]);
    gh.deliverWebhooks(target());
  });
});

describe('outdated threads', () => {
  it('a push that changes a commented line, or deletes its file, outdates the thread (line null, original kept)', async () => {
    const pr = await openPull();
    const file = `${pr.branch}.txt`;
    const review = await gh.submitReview('acme', 'app', pr.number, {
      reviewer: 'octo',
      event: 'COMMENT',
      comments: [
        { path: file, line: 1, body: 'Line one' },
        { path: file, line: 3, body: 'Line three' },
      ],
    });
    await gh.pushCommit('acme', 'app', pr.branch, {
      path: file,
      content: 'ONE\ntwo\nthree\n',
      author: 'abca-bot',
    });
    const bot = octokitFor(gh.apiUrl, 'bot');
    const read = async () =>
      (
        await bot.graphql<any>(
          `query($n: Int!) { repository(owner: "acme", name: "app") { pullRequest(number: $n) {
            reviewThreads(first: 10) { nodes { isOutdated line originalLine } } } } }`,
          { n: pr.number },
        )
      ).repository.pullRequest.reviewThreads.nodes;
    expect(await read()).toEqual([
      { isOutdated: true, line: null, originalLine: 1 },
      { isOutdated: false, line: 3, originalLine: 3 },
    ]);
    const rest = await bot.rest.pulls.listReviewComments({ ...r, pull_number: pr.number });
    expect(rest.data.map((c) => [c.id, c.line, c.original_line])).toEqual([
      [review.commentIds[0], null, 1],
      [review.commentIds[1], 3, 3],
    ]);
    // Deleting the file outdates the rest: a comment on a file that no longer exists.
    const head = (await bot.rest.pulls.get({ ...r, pull_number: pr.number })).data.head.sha;
    const work = await tempDir('fake-github-outdated-');
    await gitOk(['clone', '--quiet', gh.gitUrl('acme', 'app'), work], { token: 'bot' });
    await gitOk(['checkout', '--quiet', pr.branch], { cwd: work });
    await gitOk(['rm', '--quiet', file], { cwd: work });
    await gitOk(['commit', '--quiet', '-m', 'Remove it'], { cwd: work });
    await gitOk(['push', '--quiet', 'origin', pr.branch], { cwd: work, token: 'bot' });
    await rm(work, { recursive: true, force: true });
    expect(head).not.toBe((await bot.rest.pulls.get({ ...r, pull_number: pr.number })).data.head.sha);
    expect((await read()).map((t: { isOutdated: boolean }) => t.isOutdated)).toEqual([true, true]);
    // Both the web-editor commit and the git push were announced as `synchronize`, by who pushed.
    const syncs = (await deliveries(mark)).filter((d) => d.payload.action === 'synchronize');
    expect(syncs.map((d) => d.payload.sender.login)).toEqual(['abca-bot', 'abca-bot']);
    expect(syncs.at(-1)?.payload.pull_request.head.sha).not.toBe(head);
  });
});
