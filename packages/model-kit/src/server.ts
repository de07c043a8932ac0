import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicMessages } from './anthropic-messages.ts';
import { openaiChat } from './openai-chat.ts';
import type { ModelProtocol } from './protocol.ts';
import type { RecordedRequest } from './recorded-request.ts';
import type { ReplyBuilder, ReplySpec } from './reply.ts';
import { respond, sendJson } from './respond.ts';

/** Where the server listens. */
export interface ScriptedModelServerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Defaults to `127.0.0.1`. */
  readonly host?: string;
}

/**
 * Answers a request dynamically. Consulted for every model request before the queue; returning
 * `undefined` lets the next scripted reply answer it (so a responder can also just observe).
 */
export type RequestResponder = (request: RecordedRequest) => ReplyBuilder | undefined;

/** A scripted model server: see `createScriptedModelServer`. */
export interface ScriptedModelServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  /** `http://HOST:PORT/v1`: the `baseURL` for the AI SDK's Anthropic, OpenAI and OpenAI-compatible providers. */
  readonly baseUrl: string;
  /** Appends replies (as built now) to the FIFO queue; each model request consumes the next one. */
  script(...replies: ReplyBuilder[]): void;
  /** Sets (or, with `undefined`, clears) the dynamic responder. */
  onRequest(responder: RequestResponder | undefined): void;
  /** Every model request received since creation or the last `reset()`, in order (a live array). */
  readonly requests: RecordedRequest[];
  /** Scripted replies not yet consumed. */
  readonly pending: number;
  /**
   * Resolves with the `n`-th (1-based) recorded request once it has arrived, for tests that must
   * act while a request is in flight (abort a hanging one, say). Rejects after `timeoutMs`.
   */
  waitForRequest(n: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Clears the queue, the request log and the responder; request numbers start again at 1. */
  reset(): void;
  /** Stops listening and destroys open connections, hanging ones included. Idempotent. */
  close(): Promise<void>;
}

/** Model endpoints, by path without the optional `/v1` prefix. */
const PROTOCOLS: ReadonlyMap<string, ModelProtocol> = new Map([
  ['/chat/completions', openaiChat],
  ['/messages', anthropicMessages],
]);

const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-4o', 'gpt-4o-mini', 'model-kit'];

/** One list readable as both OpenAI's and Anthropic's `GET /v1/models`. */
function modelList(): object {
  const data = MODELS.map((id) => ({
    id,
    object: 'model',
    type: 'model',
    display_name: id,
    created: 0,
    created_at: '1970-01-01T00:00:00Z',
    owned_by: 'model-kit',
  }));
  return { object: 'list', data, has_more: false, first_id: MODELS[0], last_id: MODELS.at(-1) };
}

function routePath(url: string): string {
  const path = (url.split('?')[0] ?? '/').replace(/\/+$/, '');
  return path.startsWith('/v1/') ? path.slice(3) : path;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Every string in a JSON value, decoded (a prompt's text as the model reads it). */
function stringsOf(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into);
  else if (typeof value === 'object' && value !== null)
    for (const item of Object.values(value)) stringsOf(item, into);
  return into;
}

const requestTexts = new WeakMap<RecordedRequest, string[]>();

/** Whether `request` contains every text `spec` waits for (none: any request). */
function matches(spec: ReplySpec, request: RecordedRequest): boolean {
  if (spec.when.length === 0) return true;
  let texts = requestTexts.get(request);
  if (!texts) {
    texts = [request.rawBody, ...stringsOf(request.body, [])];
    requestTexts.set(request, texts);
  }
  const all = texts;
  return spec.when.every((text) => all.some((t) => t.includes(text)));
}

interface Waiter {
  readonly n: number;
  readonly resolve: (request: RecordedRequest) => void;
}

/**
 * Starts a model server on 127.0.0.1 that answers OpenAI Chat Completions and Anthropic Messages
 * requests (JSON and streaming) from a script, and records every model request.
 */
export async function createScriptedModelServer(
  options: ScriptedModelServerOptions = {},
): Promise<ScriptedModelServer> {
  const host = options.host ?? '127.0.0.1';
  const queue: ReplySpec[] = [];
  const requests: RecordedRequest[] = [];
  let waiters: Waiter[] = [];
  let responder: RequestResponder | undefined;

  const record = (request: Omit<RecordedRequest, 'id' | 'at'>): RecordedRequest => {
    const recorded: RecordedRequest = { id: requests.length + 1, at: new Date().toISOString(), ...request };
    requests.push(recorded);
    const ready = waiters.filter((waiter) => waiter.n <= requests.length);
    waiters = waiters.filter((waiter) => waiter.n > requests.length);
    for (const waiter of ready) waiter.resolve(requests[waiter.n - 1] ?? recorded);
    return recorded;
  };

  /** The reply for a request, or why there is none. */
  const nextReply = (request: RecordedRequest): { spec: ReplySpec } | { failure: string } => {
    try {
      const dynamic = responder?.(request);
      if (dynamic) return { spec: dynamic.build() };
    } catch (error) {
      return {
        failure: `model-kit: onRequest responder threw: ${error instanceof Error ? error.message : error}`,
      };
    }
    if (queue.length === 0) return { failure: `model-kit: script exhausted (request ${request.id})` };
    const index = queue.findIndex((spec) => matches(spec, request));
    const [chosen] = index < 0 ? [] : queue.splice(index, 1);
    return chosen
      ? { spec: chosen }
      : {
          failure: `model-kit: no scripted reply matches request ${request.id} (${queue.length} pending, each waiting for a text it does not contain)`,
        };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const path = routePath(url);
    if (req.method === 'GET' && path === '/models') return sendJson(res, 200, modelList());
    const protocol = req.method === 'POST' ? PROTOCOLS.get(path) : undefined;
    if (!protocol) {
      req.resume();
      const message = `model-kit: no route for ${req.method} ${url}`;
      return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message } });
    }
    const rawBody = await readBody(req);
    const body = parseObject(rawBody);
    const request = record({
      protocol: protocol.name,
      path: url,
      stream: body?.stream === true,
      headers: flatHeaders(req),
      body: body ?? {},
      rawBody,
      model: typeof body?.model === 'string' ? body.model : undefined,
    });
    if (!body) {
      return sendJson(res, 400, protocol.errorBody(400, 'model-kit: request body is not a JSON object'));
    }
    const next = nextReply(request);
    if ('spec' in next) return respond(res, protocol, next.spec, request);
    // The AI SDK retries a 500 with backoff: `retry-after: 0` keeps a missing reply from costing seconds.
    sendJson(res, 500, protocol.errorBody(500, next.failure), {
      'retry-after': '0',
      'x-should-retry': 'false',
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendJson(res, 500, { type: 'error', error: { type: 'api_error', message } });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    get pending() {
      return queue.length;
    },
    script(...replies) {
      // Snapshot now: changing a builder after scripting it does not change the queued reply.
      queue.push(...replies.map((builder) => builder.build()));
    },
    onRequest(fn) {
      responder = fn;
    },
    waitForRequest(n, timeoutMs = 10_000) {
      const arrived = requests[n - 1];
      if (arrived) return Promise.resolve(arrived);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== entry);
          reject(new Error(`model-kit: request ${n} did not arrive within ${timeoutMs} ms`));
        }, timeoutMs);
        const entry: Waiter = {
          n,
          resolve: (request) => {
            clearTimeout(timer);
            resolve(request);
          },
        };
        waiters.push(entry);
      });
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
      responder = undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
