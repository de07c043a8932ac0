import { describe, expect, it } from 'vitest';
import { parseSse, type SseMessage } from '../src/sse.ts';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of parseSse(streamOf(chunks))) out.push(m);
  return out;
}

describe('parseSse', () => {
  it('parses events split anywhere across chunks, with any line ending, skipping comments', async () => {
    const text =
      ': keep-alive\n\nid: 1\nevent: step.started\ndata: {"a":1}\n\r\nid: 2\r\nevent: step.completed\r\ndata: {"b":\r\ndata: 2}\r\n\r\nid:3\ndata:x\n\n';
    const whole = await collect([text]);
    expect(whole).toEqual([
      { id: '1', event: 'step.started', data: '{"a":1}' },
      { id: '2', event: 'step.completed', data: '{"b":\n2}' },
      { id: '3', event: 'message', data: 'x' },
    ]);
    // Every split point, including between \r and \n, gives the same events.
    for (let i = 1; i < text.length; i++)
      expect(await collect([text.slice(0, i), text.slice(i)])).toEqual(whole);
  });

  it('drops an event cut off before its blank line', async () => {
    expect(await collect(['id: 1\ndata: complete\n\nid: 2\ndata: cut'])).toEqual([
      { id: '1', event: 'message', data: 'complete' },
    ]);
  });
});
