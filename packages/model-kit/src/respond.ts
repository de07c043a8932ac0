import type { ServerResponse } from 'node:http';
import { estimateInputTokens, toAnswer } from './answer.ts';
import type { ModelProtocol } from './protocol.ts';
import type { RecordedRequest } from './recorded-request.ts';
import type { ReplySpec } from './reply.ts';
import { encodeSse } from './sse.ts';

/** Sends a complete JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Resolves after `ms`, or early with `false` when the client goes away first. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Writes `text`, then destroys the socket once it is flushed: the client sees a truncated response. */
function writeThenDrop(res: ServerResponse, text: string): void {
  res.write(text, () => res.destroy());
}

/**
 * Answers one recorded request as `spec` says, in `protocol`'s wire format. A hanging reply leaves
 * the response open: the client's abort or the server's close ends it.
 */
export async function respond(
  res: ServerResponse,
  protocol: ModelProtocol,
  spec: ReplySpec,
  request: RecordedRequest,
): Promise<void> {
  if (spec.delayMs > 0 && !(await waitUnlessClosed(res, spec.delayMs))) return;
  const idHeader = { [protocol.requestIdHeader]: `req_modelkit_${request.id}` };
  const { outcome } = spec;
  if (outcome.kind === 'hang') return;
  if (outcome.kind === 'error') {
    const headers: Record<string, string> = { ...idHeader };
    if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
    const body = protocol.errorBody(outcome.status, outcome.message, outcome.type, outcome.code);
    sendJson(res, outcome.status, body, headers);
    return;
  }
  if (outcome.kind === 'context_length') {
    const prompt = outcome.promptTokens ?? estimateInputTokens(request);
    sendJson(res, 400, protocol.contextLengthBody(outcome.maxTokens, prompt), idHeader);
    return;
  }
  const answer = toAnswer(spec, request);
  const drop = outcome.kind === 'drop';
  if (!request.stream) {
    const body = protocol.responseBody(answer);
    if (!drop) return sendJson(res, 200, body, idHeader);
    const text = JSON.stringify(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...idHeader,
    });
    return writeThenDrop(res, text.slice(0, Math.floor(text.length / 2)));
  }
  const events = protocol.streamEvents(answer).map(encodeSse);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...idHeader,
  });
  // Half the events, at least one: the client has started reading, and the end marker never arrives.
  if (drop) return writeThenDrop(res, events.slice(0, Math.max(1, Math.floor(events.length / 2))).join(''));
  for (const event of events) res.write(event);
  res.end();
}
