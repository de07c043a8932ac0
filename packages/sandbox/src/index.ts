export { type AddressClass, createAddressPolicy } from './address-policy.ts';
export {
  type BubblewrapBackendOptions,
  type BubblewrapEgressOptions,
  createBubblewrapBackend,
} from './bubblewrap/backend.ts';
export { type CgroupLayout, detectCgroupLayout, sandboxCgroupName } from './cgroup.ts';
export type { EgressLookup } from './egress-decision.ts';
export { type EgressProxy, type EgressProxyOptions, startEgressProxy } from './egress-proxy.ts';
export { createHostAllowlist, DEFAULT_EGRESS_PORTS, parseAllowlistEntry } from './host-allowlist.ts';
export { parseCidr } from './ip-address.ts';
export { DEFAULT_LIMITS, resolveLimits } from './limits.ts';
export { createLocalBackend, type LocalBackendOptions } from './local/backend.ts';
export * from './sandbox.ts';
export { createHelperSpawner, type HelperSpawner, sharedSpawner } from './spawner/helper-spawner.ts';
export { directSpawner, type SpawnedProcess, type Spawner, type SpawnOptions } from './spawner/spawner.ts';
