import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FakeWebhookDelivery, FakeWebhookInput, FakeWebhookResponse } from './fake-github.ts';
import { issueCommentJson, issueJson } from './rest/issues.ts';
import { repoJson } from './rest/repos.ts';
import type { Urls } from './rest/route.ts';
import { userJson } from './rest/users.ts';
import type { World } from './state.ts';

interface WebhookExample {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

let examples: readonly WebhookExample[] | undefined;

/** GitHub's own example payloads (`@octokit/webhooks-examples`), read once. */
function exampleFor(event: string, action: string | undefined): Record<string, unknown> {
  examples ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookExample[];
  const ofEvent = examples.find((e) => e.name === event)?.examples ?? [];
  const found = ofEvent.find((e) => e.action === action) ?? ofEvent[0];
  return found ? (structuredClone(found) as Record<string, unknown>) : {};
}

/** `sha256=<hex HMAC-SHA256 of the body>`, GitHub's `X-Hub-Signature-256`. */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function labelJson(urls: Urls, owner: string, name: string, label: string, id: number) {
  return {
    id,
    node_id: Buffer.from(`05:Label${id}`).toString('base64'),
    url: `${urls.api}/repos/${owner}/${name}/labels/${encodeURIComponent(label)}`,
    name: label,
    color: 'ededed',
    default: false,
    description: null,
  };
}

/**
 * A delivery as GitHub would send it: GitHub's example payload for the event and action, with the
 * fake's own repository, issue, comment, sender, label and assignee put in, signed with `secret`.
 */
export function buildWebhookDelivery(
  world: World,
  urls: Urls,
  installationId: number | undefined,
  input: FakeWebhookInput,
): FakeWebhookDelivery {
  const payload = exampleFor(input.event, input.action);
  const repo = world.requireRepo(input.owner, input.name);
  if (input.action !== undefined) payload.action = input.action;
  payload.repository = repoJson(world, urls, repo);
  payload.sender = userJson(world, urls, input.sender);
  delete payload.organization;
  delete payload.enterprise;
  if (installationId !== undefined)
    payload.installation = {
      id: installationId,
      node_id: Buffer.from(`023:Integration::Installation${installationId}`).toString('base64'),
    };
  else delete payload.installation;
  if (input.number !== undefined) {
    const thread = world.requireThread(input.owner, input.name, input.number);
    const issue = issueJson(world, urls, repo, thread);
    if (input.label !== undefined) {
      const label = labelJson(urls, repo.owner, repo.name, input.label, world.userId(`label:${input.label}`));
      issue.labels = [label];
      payload.label = label;
    }
    if (input.assignee !== undefined) {
      const assignee = userJson(world, urls, input.assignee);
      issue.assignee = assignee;
      issue.assignees = [assignee];
      payload.assignee = assignee;
    }
    payload.issue = issue;
    if (input.commentId !== undefined) {
      const comment = thread.comments.find((c) => c.id === input.commentId);
      if (!comment) throw new Error(`fake-github: no comment ${input.commentId} on #${input.number}`);
      payload.comment = issueCommentJson(world, urls, repo, thread, comment);
    }
  }
  const body = JSON.stringify({ ...payload, ...(input.extra ?? {}) });
  const deliveryId = input.deliveryId ?? randomUUID();
  return {
    event: input.event,
    deliveryId,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': input.event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': installationId !== undefined ? 'integration' : 'repository',
      'x-hub-signature-256': signWebhookBody(input.secret, body),
      'x-hub-signature': `sha1=${createHmac('sha1', input.secret).update(body).digest('hex')}`,
    },
  };
}

/** POSTs a delivery to `url` as GitHub does, and returns what the receiver answered. */
export async function sendWebhookDelivery(
  url: string,
  delivery: FakeWebhookDelivery,
): Promise<FakeWebhookResponse> {
  const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
