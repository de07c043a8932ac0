import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A fake "chat" service on 127.0.0.1 for the outbox's tests, the server side of
 * src/channels/fake-channel-notifier.ts: conversations of messages with markers, posted and edited
 * over real HTTP, everything recorded. It deduplicates nothing (a message posted twice shows
 * twice), so a test that counts messages catches a notifier or dispatcher that repeats itself.
 * A test can make it fail the next requests, hold a request open after its effect (a post that
 * took effect but whose answer never arrives), and see whether two deliver calls for one
 * conversation ever interleaved.
 */
export interface ChatMessage {
  id: string;
  conversation: string;
  marker: string;
  text: string;
  edits: number;
}

export interface ChatRequest {
  method: string;
  conversation: string;
  deliver: string;
  marker?: string;
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface Hold {
  /** Resolves when a matching request arrived (its effect is applied; the answer waits). */
  arrived: Promise<ChatRequest>;
  /** Answers the held request (if its client is still there). */
  release(): void;
}

export interface FakeChatServer {
  url: string;
  messages(conversation?: string): ChatMessage[];
  requests(): ChatRequest[];
  /** The next `n` requests get a 503 and change nothing. */
  failNext(n: number): void;
  /** Holds the answer to the next request that matches, after applying it. */
  hold(match: (r: { method: string; conversation: string; marker?: string; text?: string }) => boolean): Hold;
  /** Conversations where requests of two deliver calls interleaved (A, B, A): must stay empty. */
  interleaved(): string[];
  /** Delays every answer (widens the window in which overlapping deliver calls would interleave). */
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeChatServer(): Promise<FakeChatServer> {
  const messages: ChatMessage[] = [];
  const requests: ChatRequest[] = [];
  const holds: {
    match: Parameters<FakeChatServer['hold']>[0];
    arrived: (r: ChatRequest) => void;
    gate: Promise<void>;
  }[] = [];
  let failures = 0;
  let delayMs = 0;
  let nextId = 1;
  // Per conversation: the deliver calls seen, in order of their first request, and the last one.
  const sequence = new Map<string, { seen: Set<string>; last: string; broken: boolean }>();

  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/conversations\/([^/]+)\/messages(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m?.[1]) return send(res, 404, { error: 'no such route' });
    const conversation = decodeURIComponent(m[1]);
    const messageId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const at = Date.now();
    const deliver = String(req.headers['x-abca-deliver'] ?? '');
    const body = await readJson(req);
    const method = req.method ?? 'GET';
    const marker = typeof body.marker === 'string' ? body.marker : undefined;
    const text = typeof body.text === 'string' ? body.text : undefined;

    const seq = sequence.get(conversation) ?? { seen: new Set<string>(), last: deliver, broken: false };
    if (seq.last !== deliver && seq.seen.has(deliver)) seq.broken = true;
    seq.seen.add(deliver);
    seq.last = deliver;
    sequence.set(conversation, seq);

    const record = (status: number): ChatRequest => {
      const r: ChatRequest = { method, conversation, deliver, status, at, ...(marker ? { marker } : {}) };
      requests.push(r);
      return r;
    };
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (failures > 0) {
      failures--;
      record(503);
      return send(res, 503, { error: 'unavailable (the test asked for it)' });
    }
    let status = 200;
    let answer: unknown;
    if (method === 'GET' && !messageId) {
      answer = { messages: messages.filter((x) => x.conversation === conversation) };
    } else if (method === 'POST' && !messageId && marker && text !== undefined) {
      const msg = { id: `m${nextId++}`, conversation, marker, text, edits: 0 };
      messages.push(msg);
      status = 201;
      answer = { id: msg.id };
    } else if (method === 'PUT' && messageId && text !== undefined) {
      const msg = messages.find((x) => x.id === messageId && x.conversation === conversation);
      if (!msg) {
        status = 404;
        answer = { error: 'no such message' };
      } else {
        msg.text = text;
        msg.edits++;
        answer = { ok: true };
      }
    } else {
      status = 400;
      answer = { error: 'bad request' };
    }
    const r = record(status);
    const i = holds.findIndex((h) =>
      h.match({
        method,
        conversation,
        ...(marker ? { marker } : {}),
        ...(text !== undefined ? { text } : {}),
      }),
    );
    if (i >= 0) {
      const [h] = holds.splice(i, 1);
      h?.arrived(r);
      await h?.gate;
    }
    if (!res.destroyed) send(res, status, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    messages: (conversation) => messages.filter((x) => !conversation || x.conversation === conversation),
    requests: () => [...requests],
    failNext(n) {
      failures = n;
    },
    hold(match) {
      let arrived!: (r: ChatRequest) => void;
      let release!: () => void;
      const arrivedP = new Promise<ChatRequest>((r) => (arrived = r));
      const gate = new Promise<void>((r) => (release = r));
      holds.push({ match, arrived, gate });
      return { arrived: arrivedP, release };
    },
    interleaved: () => [...sequence].filter(([, s]) => s.broken).map(([c]) => c),
    setDelayMs(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
