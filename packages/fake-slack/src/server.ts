import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from './faults.ts';
import { createSlackSender, type SlackSender } from './sender.ts';
import { type FakeSlackMessage, type FakeSlackUser, SlackWorld } from './state.ts';
import { type ApiAnswer, METHODS } from './web-api.ts';

export interface FakeSlackOptions {
  /** The bot token the Web API accepts (`Authorization: Bearer`); default `xoxb-fake-slack-token`. */
  botToken?: string;
  teamId?: string;
  botUserId?: string;
  /** Where ABCA listens and the signing secret its requests are signed with, for {@link FakeSlack.sender}. */
  signingSecret?: string;
}

/** One Web API call as the fake received it (the token is never recorded). */
export interface LoggedCall {
  method: string;
  args: Record<string, unknown>;
  /** What the fake answered (`ok`, `error`); absent while a held call waits. */
  answer?: Record<string, unknown>;
}

export interface FakeSlack {
  /** The Web API's base URL, for `slackApiUrl` / ABCA_SLACK_API_URL (ends with `/api/`). */
  apiUrl: string;
  botToken: string;
  teamId: string;
  botUserId: string;
  /** Every Web API call, oldest first. */
  calls: LoggedCall[];
  /** Adds a human user (`users.info` answers for it). */
  addUser(user: { id: string; name?: string }): FakeSlackUser;
  /** The thread of `ts` in `channel` as Slack shows it: the parent, then the replies, metadata included. */
  thread(channel: string, ts: string): FakeSlackMessage[];
  /** The bot's messages in the thread of `ts`. */
  botReplies(channel: string, ts: string): FakeSlackMessage[];
  /** Modals opened with `views.open`, oldest first (`sender().submitView` submits one). */
  views: SlackWorld['views'];
  /** Ephemeral messages (visible to one user) posted so far. */
  ephemeral: SlackWorld['ephemeral'];
  /** The reactions ABCA's bot put on a message. */
  reactionsOn(channel: string, ts: string): string[];
  /** Fails the next `times` calls of `method` with Slack's `error` (HTTP 200, or `status`, e.g. 429 `ratelimited`). */
  failNext(
    method: string,
    error: string,
    opts?: { times?: number; status?: number; retryAfterS?: number },
  ): void;
  /**
   * Holds the next call of `method` without answering; `afterEffect`: the call takes effect first
   * (the message is posted) and only the answer is held, as when the caller dies after Slack acted.
   */
  holdNext(method: string, opts?: { afterEffect?: boolean }): void;
  /** Resolves with the method once a call is being held. */
  whenHeld(): Promise<string>;
  releaseHeld(): void;
  /** Sends signed requests to ABCA the way Slack does (needs `signingSecret` and ABCA's URL). */
  sender(abcaUrl: string): SlackSender;
  /** Posts a message as a user (into the fake's history) and returns it, without telling ABCA. */
  userPost(channel: string, user: string, text: string, threadTs?: string): FakeSlackMessage;
  close(): Promise<void>;
}

/**
 * Starts a fake Slack Web API on 127.0.0.1 (a free port): the methods ABCA calls, with Slack's
 * published request and answer shapes (form-encoded or JSON bodies; `{ ok, error }` answers), the
 * bot token checked, every call recorded, and faults to inject. Its `sender` plays Slack's side of
 * the Events API, slash commands and interactivity: requests to ABCA signed with the v0 scheme.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-fake-slack-token';
  const teamId = options.teamId ?? 'T0FAKE001';
  const botUserId = options.botUserId ?? 'U0ABCABOT';
  const world = new SlackWorld(teamId, { userId: botUserId, botId: 'B0ABCABOT', name: 'abca' });
  const faults = new Faults();
  const calls: LoggedCall[] = [];

  const server = createServer((req, res) => {
    handle(req)
      .then((answer) => {
        res.writeHead(answer.status, {
          'content-type': 'application/json; charset=utf-8',
          ...answer.headers,
        });
        res.end(JSON.stringify(answer.body));
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });

  async function handle(req: IncomingMessage): Promise<ApiAnswer> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    const raw = await readBody(req);
    const method = match?.[1];
    if (!method || !METHODS[method]) return { status: 404, body: { ok: false, error: 'unknown_method' } };
    const args = parseArgs(req.headers['content-type'] ?? '', raw, url.searchParams);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof args.token === 'string'
        ? args.token
        : undefined;
    delete args.token;
    const call: LoggedCall = { method, args };
    calls.push(call);
    if (!token) return record(call, { status: 200, body: { ok: false, error: 'not_authed' } });
    if (token !== botToken) return record(call, { status: 200, body: { ok: false, error: 'invalid_auth' } });
    const fault = faults.take(method);
    if (fault?.kind === 'error') {
      return record(call, {
        status: fault.status ?? 200,
        body: { ok: false, error: fault.error },
        ...(fault.retryAfterS !== undefined ? { headers: { 'retry-after': String(fault.retryAfterS) } } : {}),
      });
    }
    if (fault?.kind === 'hold' && !fault.afterEffect) await faults.hold(method);
    const answer = METHODS[method](world, args);
    if (fault?.kind === 'hold' && fault.afterEffect) await faults.hold(method);
    return record(call, answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}/api/`,
    botToken,
    teamId,
    botUserId,
    calls,
    ephemeral: world.ephemeral,
    views: world.views,
    addUser(user) {
      const u: FakeSlackUser = {
        id: user.id,
        team_id: teamId,
        name: user.name ?? user.id.toLowerCase(),
        real_name: user.name ?? user.id,
        is_bot: false,
      };
      world.users.set(u.id, u);
      return u;
    },
    thread: (channel, ts) => world.thread(channel, ts).map((m) => structuredClone(m)),
    botReplies: (channel, ts) =>
      world
        .thread(channel, ts)
        .filter((m) => m.user === botUserId && m.ts !== ts)
        .map((m) => structuredClone(m)),
    reactionsOn(channel, ts) {
      const m = world.find(channel, ts);
      return (m?.reactions ?? []).filter((r) => r.users.includes(botUserId)).map((r) => r.name);
    },
    failNext(method, error, opts = {}) {
      faults.add(
        method,
        {
          kind: 'error',
          error,
          ...(opts.status !== undefined ? { status: opts.status } : {}),
          ...(opts.retryAfterS !== undefined ? { retryAfterS: opts.retryAfterS } : {}),
        },
        opts.times ?? 1,
      );
    },
    holdNext(method, opts = {}) {
      faults.add(method, { kind: 'hold', afterEffect: opts.afterEffect ?? false });
    },
    whenHeld: () => faults.whenHeld(),
    releaseHeld: () => faults.releaseAll(),
    sender(abcaUrl) {
      if (!options.signingSecret)
        throw new Error('startFakeSlack: give signingSecret to send requests to ABCA');
      return createSlackSender({ abcaUrl, signingSecret: options.signingSecret, teamId, botUserId, world });
    },
    userPost(channel, user, text, threadTs) {
      return structuredClone(
        world.post(channel, { user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
      );
    },
    async close() {
      faults.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function record(call: LoggedCall, answer: ApiAnswer): ApiAnswer {
  call.answer = answer.body;
  return answer;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Web API arguments: form-encoded (what most clients send), JSON, or the query string. */
function parseArgs(contentType: string, raw: string, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  if (!raw) return args;
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') Object.assign(args, parsed);
    } catch {
      // a body that does not parse has no arguments; the method answers what is missing
    }
    return args;
  }
  for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
  return args;
}
