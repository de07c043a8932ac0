import type { LookupAddress } from 'node:dns';
import dns from 'node:dns/promises';
import { type AddressVerdict, createAddressPolicy, describeAddressClass } from './address-policy.ts';
import { createHostAllowlist, DEFAULT_EGRESS_PORTS } from './host-allowlist.ts';
import { parseIp } from './ip-address.ts';
import type { EgressBlockReason } from './sandbox.ts';

/**
 * Resolves a host name to all its addresses, in the order to try them. Injected so tests can
 * answer with private or changing addresses; the default asks the host's resolver.
 */
export type EgressLookup = (hostname: string) => Promise<readonly Pick<LookupAddress, 'address'>[]>;

/** The host's resolver (`/etc/hosts`, then DNS), every address. */
export const systemLookup: EgressLookup = (hostname) => dns.lookup(hostname, { all: true });

/**
 * The outcome for one request. When allowed, `address` is the one address to connect to: the
 * caller must connect to it and never resolve the name again (a second answer may differ).
 */
export type EgressDecision =
  | { allowed: true; address: string }
  | { allowed: false; reason: EgressBlockReason; address?: string; message: string };

/** Options of {@link createEgressDecider}. */
export interface EgressDeciderOptions {
  allowedHosts: readonly string[];
  allowPrivateRanges?: readonly string[];
  lookup?: EgressLookup;
}

/**
 * Builds the proxy's decision: allowlist (name, then port) before any lookup, so names that are
 * not allowlisted are never resolved; then the first resolved address the address policy accepts.
 * Throws on a malformed allowlist entry or range.
 */
export function createEgressDecider(
  options: EgressDeciderOptions,
): (host: string, port: number) => Promise<EgressDecision> {
  const allowlist = createHostAllowlist(options.allowedHosts);
  const policy = createAddressPolicy({ allowPrivateRanges: options.allowPrivateRanges ?? [] });
  const lookup = options.lookup ?? systemLookup;
  return async (host, port) => {
    const match = allowlist.match(host, port);
    if (match === 'not_allowlisted')
      return refuse('not_allowlisted', `${host} is not on this sandbox's network allowlist`);
    if (match === 'port_not_allowed') {
      const listed = parseIp(host)?.family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
      return refuse(
        'port_not_allowed',
        `port ${port} is not allowed for ${host}: only ${DEFAULT_EGRESS_PORTS.join(' and ')} unless the allowlist names the port (${listed})`,
      );
    }
    const literal = parseIp(host) !== undefined;
    let addresses: string[];
    if (literal) addresses = [host];
    else {
      try {
        addresses = (await lookup(host)).map((a) => a.address);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return refuse('resolve_failed', `could not resolve ${host} (${code})`);
      }
      if (addresses.length === 0) return refuse('resolve_failed', `could not resolve ${host} (no address)`);
    }
    let refused: { address: string; verdict: AddressVerdict } | undefined;
    for (const address of addresses) {
      const verdict = policy.check(address);
      if (verdict.allowed) return { allowed: true, address };
      refused ??= { address, verdict };
    }
    const what =
      refused && !refused.verdict.allowed ? describeAddressClass(refused.verdict.kind) : 'no address';
    return refuse(
      'private_address',
      `${host} ${literal ? 'is' : 'resolves to'} ${what}, which sandboxes may not reach unless the operator allows its range`,
      refused?.address,
    );
  };
}

function refuse(reason: EgressBlockReason, message: string, address?: string): EgressDecision {
  return { allowed: false, reason, message, ...(address === undefined ? {} : { address }) };
}
