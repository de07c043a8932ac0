import { parseIp } from './ip-address.ts';

/** Ports an allowlist entry that names none allows: plain HTTP and HTTPS. */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [80, 443];

/** One parsed allowlist entry: `host`, `*.suffix` or either with `:port`. */
export interface AllowlistEntry {
  /** Lower-case name without trailing dot, or the canonical text of an IP literal. */
  host: string;
  /** `*.example.com`: any sub-domain of `host`, not `host` itself. */
  wildcard: boolean;
  /** The one port allowed; absent means {@link DEFAULT_EGRESS_PORTS}. */
  port?: number;
}

/** What the allowlist says about a host and port; the first two are refusals. */
export type AllowlistMatch = 'not_allowlisted' | 'port_not_allowed' | 'allowed';

/** A compiled allowlist; see {@link createHostAllowlist}. */
export interface HostAllowlist {
  match(host: string, port: number): AllowlistMatch;
}

const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** Lower-cases a host name and strips IPv6 brackets and a trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** The form hosts are compared in: IP literals in one canonical spelling, names normalized. */
function comparable(host: string): string {
  const h = normalizeHost(host);
  return parseIp(h)?.text ?? h;
}

/** Whether `host` is a syntactically valid host name or IP literal (brackets allowed for IPv6). */
export function isValidHost(host: string): boolean {
  const h = normalizeHost(host);
  return parseIp(h) !== undefined || (NAME.test(h) && h.length <= 253);
}

/**
 * Parses one entry: `registry.npmjs.org`, `*.example.com`, an IP literal (`10.0.0.5`, `::1`,
 * `[::1]`), each optionally with `:port` (`[::1]:8080` for IPv6). Undefined when malformed.
 */
export function parseAllowlistEntry(entry: string): AllowlistEntry | undefined {
  const text = entry.trim().toLowerCase();
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed?.[1]) {
    if (parseIp(bracketed[1])?.family !== 6) return undefined;
    host = bracketed[1];
    portText = bracketed[2];
  } else if (text.split(':').length === 2) {
    [host = '', portText] = text.split(':');
  } else if (text.includes(':') && parseIp(text)?.family !== 6) {
    return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  if (!name || !isValidHost(name) || (wildcard && parseIp(name))) return undefined;
  return { host: comparable(name), wildcard, ...(port === undefined ? {} : { port }) };
}

/**
 * Compiles an allowlist. Names match case-insensitively; `*.example.com` matches sub-domains only;
 * an entry without a port allows 80 and 443 only. Throws on a malformed entry, so a bad spec fails
 * at sandbox creation rather than by refusing everything.
 */
export function createHostAllowlist(entries: readonly string[]): HostAllowlist {
  const parsed = entries.map((entry) => {
    const result = parseAllowlistEntry(entry);
    if (!result) {
      throw new Error(
        `invalid allowlist entry ${JSON.stringify(entry)}: use host, *.example.com, an IP, each optionally with :port`,
      );
    }
    return result;
  });
  return {
    match(host, port) {
      const h = comparable(host);
      if (!h) return 'not_allowlisted';
      const named = parsed.filter((e) => (e.wildcard ? h.endsWith(`.${e.host}`) : h === e.host));
      if (named.length === 0) return 'not_allowlisted';
      const portAllowed = named.some((e) =>
        e.port === undefined ? DEFAULT_EGRESS_PORTS.includes(port) : e.port === port,
      );
      return portAllowed ? 'allowed' : 'port_not_allowed';
    },
  };
}
