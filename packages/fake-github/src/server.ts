import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Credentials } from './auth.ts';
import { createDriver } from './driver.ts';
import type { FakeGitHub, FakeGitHubOptions, FakeRepoOptions, LoggedRequest } from './fake-github.ts';
import { Faults } from './faults.ts';
import { createBareRepo } from './git.ts';
import { createRequestHandler } from './handle-request.ts';
import { appPublicKey } from './jwt.ts';
import { nodeId } from './node-ids.ts';
import { RateLimits } from './rate-limit.ts';
import { appRoutes } from './rest/apps.ts';
import { branchRoutes } from './rest/branches.ts';
import { checkRoutes } from './rest/checks.ts';
import { collaboratorRoutes } from './rest/collaborators.ts';
import { commitRoutes } from './rest/commits.ts';
import { issueRoutes } from './rest/issues.ts';
import { pullRoutes } from './rest/pulls.ts';
import { rateLimitRoutes } from './rest/rate-limit.ts';
import { reactionRoutes } from './rest/reactions.ts';
import { repoRoutes } from './rest/repos.ts';
import { reviewCommentRoutes } from './rest/review-comments.ts';
import { reviewRoutes } from './rest/reviews.ts';
import { Router } from './rest/router.ts';
import { statusRoutes } from './rest/statuses.ts';
import { userRoutes } from './rest/users.ts';
import { now, type Reaction, repoKey, World } from './state.ts';
import { commentOnIssue, commentOnPull, openIssue, openPull, reviewThreadOf } from './threads.ts';
import { buildWebhookDelivery, createWebhookSink, sendWebhookDelivery } from './webhooks.ts';

/**
 * Starts a fake GitHub on 127.0.0.1 (a free port): the REST endpoints ABCA uses, at `/api/v3` and
 * at the root, the GraphQL operations it sends (`/graphql`, `/api/graphql`), and git smart HTTP through `git http-backend`, with token checks on both. Each
 * server keeps its repositories in its own temporary folder, deleted by `close()`.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const projectRoot = await mkdtemp(join(tmpdir(), 'fake-github-'));
  const world = new World();
  const limits = new RateLimits();
  const faults = new Faults();
  const log: LoggedRequest[] = [];
  const app = options.app
    ? {
        appId: options.app.appId,
        installationId: options.app.installationId,
        publicKey: appPublicKey(options.app.privateKeyPem),
        botLogin: `${options.app.slug ?? 'abca'}[bot]`,
      }
    : undefined;
  const credentials = new Credentials(options.tokens ?? {}, app);
  const router = new Router([
    ...userRoutes,
    ...repoRoutes,
    ...branchRoutes,
    ...pullRoutes,
    ...reviewCommentRoutes,
    ...reviewRoutes,
    ...commitRoutes,
    ...checkRoutes,
    ...statusRoutes,
    ...issueRoutes,
    ...reactionRoutes,
    ...collaboratorRoutes,
    ...rateLimitRoutes(limits),
    ...appRoutes,
  ]);
  let webUrl = '';
  const urlsNow = () => ({ api: `${webUrl}/api/v3`, web: webUrl });
  const sink = createWebhookSink(world, urlsNow, app?.installationId);
  sink.target = options.webhooks;
  world.events = sink;
  const handle = createRequestHandler({
    world,
    credentials,
    router,
    faults,
    limits,
    projectRoot,
    log,
    urls: urlsNow,
  });
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  webUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addRepo = async (repo: FakeRepoOptions): Promise<void> => {
    if (world.repo(repo.owner, repo.name))
      throw new Error(`fake-github: ${repo.owner}/${repo.name} exists already`);
    const path = join(projectRoot, repo.owner, `${repo.name}.git`);
    const defaultBranch = repo.defaultBranch ?? 'main';
    await createBareRepo(path, { defaultBranch, seedDir: repo.seedDir, name: repo.name });
    world.repos.set(repoKey(repo.owner, repo.name), {
      id: world.nextId(),
      owner: repo.owner,
      name: repo.name,
      defaultBranch,
      private: repo.private ?? false,
      path,
      createdAt: now(),
      threads: new Map(),
      nextNumber: 1,
      collaborators: new Map(),
      checkRuns: [],
      checkSuites: [],
      statuses: [],
    });
  };
  try {
    for (const repo of options.repos ?? []) await addRepo(repo);
  } catch (error) {
    server.close();
    await rm(projectRoot, { recursive: true, force: true });
    throw error;
  }

  let closing: Promise<void> | undefined;
  const driver = createDriver(world, urlsNow, sink);
  return {
    ...driver,
    apiUrl: `${webUrl}/api/v3`,
    webUrl,
    gitUrl: (owner, name) => `${webUrl}/${owner}/${name}.git`,
    addRepo,
    addToken: (token, grant) => credentials.addPersonalToken(token, grant.login, grant.permissions),
    addIssue(owner, name, input) {
      const repo = world.requireRepo(owner, name);
      const thread = openIssue(world, repo, {
        title: input.title,
        body: input.body ?? null,
        author: input.author ?? repo.owner,
      });
      for (const comment of input.comments ?? []) commentOnIssue(world, thread, comment.author, comment.body);
      return thread.number;
    },
    addPullRequest(owner, name, input) {
      const repo = world.requireRepo(owner, name);
      const colon = input.head.indexOf(':');
      const thread = openPull(world, repo, {
        title: input.title,
        body: input.body ?? null,
        author: input.author ?? repo.owner,
        head: colon === -1 ? input.head : input.head.slice(colon + 1),
        base: input.base ?? repo.defaultBranch,
        draft: input.draft ?? false,
      });
      if (input.state === 'closed') {
        thread.state = 'closed';
        thread.closedAt = now();
      }
      return thread.number;
    },
    addReviewComment(owner, name, pullNumber, input) {
      const repo = world.requireRepo(owner, name);
      return commentOnPull(world, world.requireThread(owner, name, pullNumber), {
        author: input.author ?? repo.owner,
        path: input.path,
        line: input.line,
        side: input.side ?? 'RIGHT',
        body: input.body,
        inReplyToId: input.inReplyTo,
        commitId: input.commitId,
      }).id;
    },
    addIssueComment(owner, name, number, comment) {
      return commentOnIssue(world, world.requireThread(owner, name, number), comment.author, comment.body).id;
    },
    pulls(owner, name) {
      return [...world.requireRepo(owner, name).threads.values()].flatMap((thread) =>
        thread.pull
          ? [
              {
                number: thread.number,
                nodeId: nodeId('PullRequest', thread.pull.id),
                title: thread.title,
                body: thread.body,
                draft: thread.pull.draft,
                state: thread.state,
                head: { ref: thread.pull.head },
                base: { ref: thread.pull.base },
                author: thread.author,
                merged: thread.pull.merged,
                mergeCommitSha: thread.pull.mergeCommitSha,
                labels: [...thread.labels],
              },
            ]
          : [],
      );
    },
    issueComments(owner, name, number) {
      return world
        .requireThread(owner, name, number)
        .comments.map(({ id, author, body, createdAt, updatedAt, edits }) => ({
          id,
          author,
          body,
          createdAt,
          updatedAt,
          edits,
        }));
    },
    setCollaborator(owner, name, login, permission) {
      world.requireRepo(owner, name).collaborators.set(login.toLowerCase(), permission);
    },
    reactions(owner, name, target) {
      const repo = world.requireRepo(owner, name);
      let list: Reaction[] | undefined;
      if ('issue' in target) list = world.requireThread(owner, name, target.issue).reactions;
      else
        for (const thread of repo.threads.values())
          list ??= thread.comments.find((c) => c.id === target.comment)?.reactions;
      if (!list) throw new Error(`fake-github: nothing to react on in ${owner}/${name}`);
      return list.map(({ id, user, content }) => ({ id, user, content }));
    },
    webhookDelivery: (input) => buildWebhookDelivery(world, urlsNow(), app?.installationId, input),
    sendWebhook(url, delivery) {
      const built =
        'secret' in delivery
          ? buildWebhookDelivery(world, urlsNow(), app?.installationId, delivery)
          : delivery;
      return sendWebhookDelivery(url, built);
    },
    reviewComments(owner, name, pullNumber) {
      const pull = world.requireThread(owner, name, pullNumber).pull;
      return (pull?.reviewComments ?? []).map((comment) => ({
        id: comment.id,
        author: comment.author,
        path: comment.path,
        line: comment.line,
        body: comment.body,
        inReplyTo: comment.inReplyToId,
      }));
    },
    updateReviewThread(owner, name, pullNumber, commentId, update) {
      const pull = world.requireThread(owner, name, pullNumber).pull;
      const thread = pull?.reviewComments.some((c) => c.id === commentId)
        ? reviewThreadOf(pull, commentId)
        : undefined;
      if (!thread) throw new Error(`fake-github: no review comment ${commentId} on #${pullNumber}`);
      if (update.resolved !== undefined) thread.resolved = update.resolved;
      if (update.outdated !== undefined) thread.outdated = update.outdated;
    },
    requests: log,
    fail: (matcher, response) => faults.add(matcher, response),
    clearFaults: () => faults.clear(),
    repoPath: (owner, name) => world.requireRepo(owner, name).path,
    close(...pull: [string, string, number, { by?: string; reopen?: boolean }?] | []) {
      if (pull.length > 0) {
        const [owner, name, number, opts] = pull as [
          string,
          string,
          number,
          { by?: string; reopen?: boolean }?,
        ];
        return driver.closePull(owner, name, number, opts);
      }
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(projectRoot, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
