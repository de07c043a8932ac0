import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type {
  FakeDeliveryRecord,
  FakeWebhookDelivery,
  FakeWebhookInput,
  FakeWebhookResponse,
} from './fake-github.ts';
import { issueCommentJson, issueJson, labelJson } from './rest/issues.ts';
import { repoJson } from './rest/repos.ts';
import type { Urls } from './rest/route.ts';
import { userJson } from './rest/users.ts';
import type { EventSink, RepoState, World } from './state.ts';

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

/**
 * The parts of a payload that are the fake's own, put into GitHub's example: the repository, the
 * sender, the installation (an App's deliveries) or none; never the example's organization or
 * enterprise.
 */
function dressPayload(
  payload: Record<string, unknown>,
  world: World,
  urls: Urls,
  repo: RepoState,
  sender: string,
  installationId: number | undefined,
): void {
  payload.repository = repoJson(world, urls, repo);
  payload.sender = userJson(world, urls, sender);
  delete payload.organization;
  delete payload.enterprise;
  if (installationId !== undefined)
    payload.installation = {
      id: installationId,
      node_id: Buffer.from(`023:Integration::Installation${installationId}`).toString('base64'),
    };
  else delete payload.installation;
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
  dressPayload(payload, world, urls, repo, input.sender, installationId);
  if (input.number !== undefined) {
    const thread = world.requireThread(input.owner, input.name, input.number);
    const issue = issueJson(world, urls, repo, thread);
    if (input.label !== undefined) {
      const label = labelJson(world, urls, repo, input.label);
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
  return signedDelivery(input.event, body, input.secret, installationId, input.deliveryId);
}

/** GitHub's headers for a delivery of `body`, signed with `secret`. */
function signedDelivery(
  event: string,
  body: string,
  secret: string,
  installationId: number | undefined,
  id?: string,
): FakeWebhookDelivery {
  const deliveryId = id ?? randomUUID();
  return {
    event,
    deliveryId,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': installationId !== undefined ? 'integration' : 'repository',
      'x-hub-signature-256': signWebhookBody(secret, body),
      'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    },
  };
}

const DELIVERY_TIMEOUT_MS = 10_000;

/** The sink that sends every event the fake's state changes raise, once a receiver is set. */
export interface WebhookSink extends EventSink {
  target: { url: string; secret: string } | undefined;
  /** Every delivery sent (or being sent), oldest first. */
  readonly records: FakeDeliveryRecord[];
  /**
   * Resolves once every event raised so far, or by work held meanwhile ({@link EventSink.hold}),
   * was delivered and answered.
   */
  settle(): Promise<void>;
}

/**
 * Deliveries in the order events happened, one at a time, as GitHub's hook service sends them:
 * the payload is built when the event happens (so it shows the state of that moment) and sent
 * after whatever was queued before it. A receiver that fails gets no retry (GitHub does not retry).
 */
export function createWebhookSink(
  world: World,
  urls: () => Urls,
  installationId: number | undefined,
): WebhookSink {
  let chain: Promise<void> = Promise.resolve();
  const held = new Set<Promise<unknown>>();
  const hold = (work: Promise<unknown>) => {
    held.add(work);
    const done = () => held.delete(work);
    work.then(done, done);
  };
  const sink: WebhookSink = {
    target: undefined,
    records: [],
    hold,
    async settle() {
      // Held work (an emit building its payload, a push being announced) queues deliveries: wait
      // for it first, then for the queue, until neither moved.
      for (;;) {
        if (held.size > 0) {
          await Promise.allSettled([...held]);
          continue;
        }
        const queued = chain;
        await queued;
        if (queued === chain && held.size === 0) return;
      }
    },
    emit(repo, event, sender, build) {
      const work = emitOne(repo, event, sender, build);
      hold(work);
      return work;
    },
  };
  async function emitOne(
    repo: RepoState,
    event: string,
    sender: string,
    build: () => Promise<Record<string, unknown>>,
  ): Promise<void> {
    const target = sink.target;
    if (!target) return;
    let specific: Record<string, unknown>;
    try {
      specific = await build();
    } catch (error) {
      // A payload the fake cannot build is its own bug: recorded, never the caller's failure.
      const text = error instanceof Error ? error.message : String(error);
      sink.records.push({ event, action: undefined, deliveryId: '', status: -1, payload: { error: text } });
      return;
    }
    const action = typeof specific.action === 'string' ? specific.action : undefined;
    const payload: Record<string, unknown> = { ...exampleFor(event, action), ...specific };
    if (action === undefined) delete payload.action;
    dressPayload(payload, world, urls(), repo, sender, installationId);
    const delivery = signedDelivery(event, JSON.stringify(payload), target.secret, installationId);
    const record: FakeDeliveryRecord = {
      event,
      action,
      deliveryId: delivery.deliveryId,
      status: 0,
      payload,
    };
    sink.records.push(record);
    chain = chain.then(async () => {
      try {
        // GitHub gives a receiver ten seconds, then counts the delivery as failed.
        const signal = AbortSignal.timeout(DELIVERY_TIMEOUT_MS);
        record.status = (await sendWebhookDelivery(target.url, delivery, signal)).status;
      } catch {
        record.status = -1;
      }
    });
  }
  return sink;
}

/** POSTs a delivery to `url` as GitHub does, and returns what the receiver answered. */
export async function sendWebhookDelivery(
  url: string,
  delivery: FakeWebhookDelivery,
  signal?: AbortSignal,
): Promise<FakeWebhookResponse> {
  const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body, signal });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
