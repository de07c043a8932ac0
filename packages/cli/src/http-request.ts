import { request as httpRequestFn, type IncomingMessage } from 'node:http';
import { loadModule } from './load-module.ts';

/** The part of a fetch `Response` the API client reads. */
export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * One HTTP request with `node:http`, answered as a fetch-like response. The CLI's short requests use
 * it rather than `fetch`: loading undici and its WebAssembly parser costs about 100 ms of CPU at
 * every start, a third of a command's time. Event streams keep using `fetch` (they need a web stream).
 */
export async function httpRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<HttpResponse> {
  const target = new URL(url);
  const request =
    target.protocol === 'https:'
      ? (await loadModule<typeof import('node:https')>('node:https')).request
      : httpRequestFn;
  const headers = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(target, {
      method: init.method,
      headers,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(init.body);
  });
  const body = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
  body.catch(() => {});
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {
      get(name) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    text: () => body,
    json: async () => JSON.parse(await body),
  };
}
