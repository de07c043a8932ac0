export { type BubblewrapBackendOptions, createBubblewrapBackend } from './bubblewrap/backend.ts';
export { type CgroupLayout, detectCgroupLayout, sandboxCgroupName } from './cgroup.ts';
export { type EgressProxy, type EgressProxyOptions, startEgressProxy } from './egress-proxy.ts';
export { isHostAllowed } from './host-allowlist.ts';
export { DEFAULT_LIMITS, resolveLimits } from './limits.ts';
export { createLocalBackend, type LocalBackendOptions } from './local/backend.ts';
export * from './sandbox.ts';
