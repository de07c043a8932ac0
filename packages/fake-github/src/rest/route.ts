import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials, Principal } from '../auth.ts';
import type { World } from '../state.ts';

/** The server's two base URLs: `api` (…/api/v3) for `url` fields, `web` for `html_url` and git. */
export interface Urls {
  readonly api: string;
  readonly web: string;
}

export interface RestContext {
  readonly world: World;
  readonly credentials: Credentials;
  readonly principal: Principal;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when there is none. */
  readonly body: unknown;
  readonly urls: Urls;
}

export interface RestResult {
  readonly status: number;
  /** Sent as JSON, unless `text` is set. */
  readonly body?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export type RestHandler = (context: RestContext) => Promise<RestResult> | RestResult;

/** One REST endpoint; `path` uses `{name}` placeholders like GitHub's docs (`/repos/{owner}/{repo}`). */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly handler: RestHandler;
}

/** A request body as an object; anything else (an array, a string) counts as empty. */
export function bodyObject(context: RestContext): Record<string, unknown> {
  const body = context.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
