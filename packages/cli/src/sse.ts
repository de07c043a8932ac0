import { isTerminal, TaskEventRecord } from '@abca/contracts';
import { type ApiClient, ServerUnreachableError } from './client.ts';

/** One server-sent event: `id:`, `event:` and the joined `data:` lines. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body (WHATWG rules: `\n`, `\r\n` or `\r` line ends; a blank line
 * ends an event; `:` lines are comments such as keep-alives).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A trailing '\r' may be half of a '\r\n' still in flight: hold it back with the unfinished line.
      const hold = !done && buffer.endsWith('\r') ? '\r' : '';
      const lines = (hold ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      buffer = done ? '' : (lines.pop() ?? '') + hold;
      for (const line of lines) {
        if (line === '') {
          if (data.length) yield { id, event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

export interface FollowOptions {
  /** Start after this sequence number (0: from the beginning). */
  after?: number;
  signal?: AbortSignal;
  /** How long to keep trying while the server is unreachable before giving up. */
  reconnectForMs?: number;
  /** Told about each reconnect, for a progress line. */
  onReconnect?(after: number, reason: string): void;
}

/**
 * The task's events, live, until the task has ended and its log is drained. A dropped stream is
 * reopened with `Last-Event-ID` (the last sequence seen), so no event is shown twice or missed.
 */
export async function* followTaskEvents(
  client: ApiClient,
  taskId: string,
  opts: FollowOptions = {},
): AsyncGenerator<TaskEventRecord> {
  let after = opts.after ?? 0;
  let downSince: number | undefined;
  const reconnectForMs = opts.reconnectForMs ?? 30_000;
  for (;;) {
    let reason = 'the stream ended';
    try {
      const body = await client.openEventStream(taskId, after, opts.signal);
      downSince = undefined;
      for await (const msg of parseSse(body)) {
        // Any type, old rows too: the formatter reads what it knows (a newer server's events included).
        const event = TaskEventRecord.safeParse(safeJson(msg.data));
        if (!event.success || event.data.seq <= after) continue;
        after = event.data.seq;
        yield event.data;
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (!(err instanceof ServerUnreachableError) && !isDroppedStream(err)) throw err;
      downSince ??= Date.now();
      if (Date.now() - downSince > reconnectForMs) {
        throw err instanceof ServerUnreachableError
          ? err
          : new ServerUnreachableError(client.baseUrl, String(err));
      }
      reason = err instanceof ServerUnreachableError ? err.reason : 'the connection dropped';
      await sleep(
        Math.min(2000, 250 * 2 ** Math.min(3, Math.floor((Date.now() - downSince) / 1000))),
        opts.signal,
      );
      opts.onReconnect?.(after, reason);
      continue;
    }
    if (opts.signal?.aborted) return;
    // The server closes the stream once the task has ended; anything else is a drop to resume from.
    const task = await client.getTask(taskId);
    if (isTerminal(task.status)) {
      const rest = await client.listEvents(taskId, { after, limit: 100 });
      for (const e of rest.data) if (e.seq > after) yield e;
      return;
    }
    opts.onReconnect?.(after, reason);
  }
}

function isDroppedStream(err: unknown): boolean {
  // undici reports a body cut mid-way as TypeError('terminated') or an aborted socket.
  return (
    err instanceof TypeError || (err instanceof Error && /terminated|socket|ECONNRESET/i.test(err.message))
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
