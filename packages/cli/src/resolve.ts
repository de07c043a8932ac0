import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

type Env = Record<string, string | undefined>;

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** The state folder: `ABCA_HOME`, else `~/.abca` (the same rule as the server's configuration). */
export function abcaHome(env: Env): string {
  return resolve(blank(env.ABCA_HOME) ?? join(homedir(), '.abca'));
}

export interface Resolved {
  value: string;
  /** Where the value came from, for messages: `--url`, `ABCA_URL`, a file path, `default`. */
  source: string;
}

const ServerFile = z.object({ url: z.string().regex(/^https?:\/\//) });

/**
 * The server URL: `--url`, else `ABCA_URL`, else `ABCA_PORT` (on ABCA_HOST or loopback, as `serve`
 * listens), else `$ABCA_HOME/server.json` (written by serve), else the default.
 */
export function resolveUrl(flag: string | undefined, env: Env): Resolved {
  const fromFlag = blank(flag);
  if (fromFlag) return { value: normalizeUrl(fromFlag), source: '--url' };
  const fromEnv = blank(env.ABCA_URL);
  if (fromEnv) return { value: normalizeUrl(fromEnv), source: 'ABCA_URL' };
  const port = blank(env.ABCA_PORT);
  // 0 asks `serve` for any free port: it says nothing about where a server is.
  if (port && /^\d+$/.test(port) && Number(port) > 0 && Number(port) <= 65535) {
    const host = blank(env.ABCA_HOST) ?? '127.0.0.1';
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return { value: normalizeUrl(`http://${hostPart}:${Number(port)}`), source: 'ABCA_PORT' };
  }
  const file = join(abcaHome(env), 'server.json');
  try {
    const parsed = ServerFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { value: normalizeUrl(parsed.data.url), source: file };
  } catch {
    // no server.json: the default below
  }
  return { value: DEFAULT_URL, source: 'default' };
}

/** The API key: `--api-key`, else `ABCA_API_KEY`, else `$ABCA_HOME/admin.key` (written by serve). */
export function resolveKey(flag: string | undefined, env: Env): Resolved | undefined {
  const fromFlag = blank(flag);
  if (fromFlag) return { value: fromFlag, source: '--api-key' };
  const fromEnv = blank(env.ABCA_API_KEY);
  if (fromEnv) return { value: fromEnv, source: 'ABCA_API_KEY' };
  const file = join(abcaHome(env), 'admin.key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { value: key, source: file };
  } catch {
    // no key file
  }
  return undefined;
}

/** No trailing slash; a server listening on every interface is reached on loopback. */
function normalizeUrl(url: string): string {
  const u = url.replace(/\/+$/, '');
  return u.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=[:/]|$)/, '$1127.0.0.1');
}
