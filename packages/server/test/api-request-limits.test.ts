import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/ops/logger.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * How the server reads requests: a read deadline in seconds (ABCA_REQUEST_READ_TIMEOUT_S, 2 s here)
 * for headers and body, never for responses; a body over the size limit refused from its
 * Content-Length; a client that hangs up logged at debug; and what never reaches the app
 * (malformed HTTP, huge headers, CONNECT) answered in the API's JSON error shape.
 */
let p: TestPlatform;
const lines: { level: number; msg: string }[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let taskId: string;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  // API only: its tasks stay queued, so a followed event stream stays open as long as the test likes.
  p = await startTestPlatform(
    { ABCA_REQUEST_READ_TIMEOUT_S: '2' },
    { apiOnly: true, log: createLogger({ level: 'debug', stream }) },
  );
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } });
  taskId = (await p.request('POST', '/v1/tasks', { body: { repo: 'acme/app', task_description: 'ok' } })).body
    .data.task_id;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await p?.platform.stop();
});

/** Writes `parts` on a raw connection (with `gapMs` between them) and reads until the server closes. */
function exchange(parts: (string | Buffer)[], opts: { gapMs?: number; giveUpMs?: number } = {}) {
  const { port } = new URL(p.url);
  return new Promise<{ text: string; ms: number; closedByServer: boolean }>((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started, closedByServer: true });
    });
    timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, ms: Date.now() - started, closedByServer: false });
    }, opts.giveUpMs ?? 30_000);
    const write = (i: number) => {
      const part = parts[i];
      if (part === undefined || socket.destroyed) return;
      socket.write(part);
      setTimeout(() => write(i + 1), opts.gapMs ?? 0);
    };
    write(0);
  });
}

const head = (method: string, path: string, extra: string[]) =>
  [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${p.adminKey}`,
    ...extra,
    '',
    '',
  ].join('\r\n');

function errorOf(text: string): { status: number; code: string; message: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  return { status, code: body.error.code, message: body.error.message };
}

describe('reading requests', () => {
  it('answers a chunked body announcing a huge chunk and then stalling with a 408 after the read deadline', async () => {
    const res = await exchange([
      head('POST', '/v1/tasks', ['Content-Type: application/json', 'Transfer-Encoding: chunked']),
      'fffffff\r\n{"repo":',
    ]);
    expect(res.closedByServer).toBe(true);
    expect(res.ms).toBeGreaterThanOrEqual(1500);
    // Seconds, not Node's 300: the deadline is 2 s, checked every half second; generous for a busy machine.
    expect(res.ms).toBeLessThan(15_000);
    expect(errorOf(res.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  });

  it('cuts off a body trickled a byte at a time past the deadline', async () => {
    const body = JSON.stringify({ repo: 'acme/app', task_description: 'slow' });
    const res = await exchange(
      [
        head('POST', '/v1/tasks', ['Content-Type: application/json', `Content-Length: ${body.length}`]),
        ...body,
      ],
      { gapMs: 200 },
    );
    expect(res.closedByServer).toBe(true);
    expect(res.ms).toBeLessThan(body.length * 200);
    expect(errorOf(res.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  });

  it('refuses a body over 1 MB from its Content-Length, before reading it', async () => {
    const res = await exchange([
      head('POST', '/v1/tasks', ['Content-Type: application/json', `Content-Length: ${2 * 1024 * 1024}`]),
      '{"repo":',
    ]);
    expect(res.ms).toBeLessThan(1500);
    expect(errorOf(res.text)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses a chunked body once it passes 1 MB', async () => {
    const chunk = 'a'.repeat(256 * 1024);
    const res = await exchange([
      head('POST', '/v1/tasks', ['Content-Type: application/json', 'Transfer-Encoding: chunked']),
      ...Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
    ]);
    expect(res.text, res.text.slice(0, 300)).toMatch(/^HTTP\/1\.1 413/);
    expect(errorOf(res.text)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('keeps a followed event stream open well past the read deadline', async () => {
    const controller = new AbortController();
    const res = await fetch(`${p.url}/v1/tasks/${taskId}/events?follow=true`, {
      headers: { authorization: `Bearer ${p.adminKey}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const first = await reader.read();
    text += new TextDecoder().decode(first.value);
    // Three read deadlines later the stream still delivers: cancel the task and read to the end.
    await new Promise((r) => setTimeout(r, 6000));
    expect((await p.request('DELETE', `/v1/tasks/${taskId}`)).status).toBe(200);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const next = await reader.read();
      if (next.done) break;
      text += new TextDecoder().decode(next.value);
    }
    controller.abort();
    expect(text).toContain('"CANCELLED"');
  });

  it('logs a client that hangs up mid-body at debug, with no error and no unhandled rejection', async () => {
    const before = lines.length;
    for (const framing of ['Content-Length: 500', 'Transfer-Encoding: chunked']) {
      const { port } = new URL(p.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(head('POST', '/v1/tasks', ['Content-Type: application/json', framing]));
      socket.write(framing.startsWith('Transfer') ? '8\r\n{"repo":\r\n' : '{"repo":');
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
    }
    const deadline = Date.now() + 20_000;
    while (
      lines.slice(before).filter((l) => l.msg === 'client went away').length < 2 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = lines.slice(before);
    expect(mine.filter((l) => l.msg === 'client went away').map((l) => l.level)).toEqual([20, 20]);
    expect(mine.filter((l) => l.level >= 50)).toEqual([]);
    expect(unhandled).toEqual([]);
    // And the server carries on.
    expect((await p.request('GET', '/v1/tasks')).status).toBe(200);
  });

  it('answers malformed HTTP, huge headers and CONNECT in the JSON error shape', async () => {
    const cases: [string, number, string][] = [
      ['FOO /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'VALIDATION_ERROR'],
      [
        'GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Filler: ' + 'a'.repeat(20_000) + '\r\n\r\n',
        431,
        'HEADERS_TOO_LARGE',
      ],
      ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
      ['GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'VALIDATION_ERROR'],
      ['GET /v1/\xff HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'VALIDATION_ERROR'],
    ];
    for (const [raw, status, code] of cases) {
      const res = await exchange([Buffer.from(raw, 'latin1')], { giveUpMs: 10_000 });
      expect(errorOf(res.text), raw.slice(0, 30)).toMatchObject({ status, code });
      expect(errorOf(res.text).message.length).toBeGreaterThan(5);
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
