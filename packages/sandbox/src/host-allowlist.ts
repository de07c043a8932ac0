/** Lower-cases a host name and strips IPv6 brackets and a trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * Whether `host` is on the allowlist. Entries are exact host names (or IP literals) or
 * `*.example.com` wildcards, which match any sub-domain but not `example.com` itself.
 */
export function isHostAllowed(host: string, allowlist: readonly string[]): boolean {
  const h = normalizeHost(host);
  if (!h) return false;
  return allowlist.some((entry) => {
    const e = normalizeHost(entry);
    if (e.startsWith('*.')) {
      const suffix = e.slice(1);
      return h.endsWith(suffix) && h.length > suffix.length;
    }
    return h === e;
  });
}
