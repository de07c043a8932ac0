/**
 * The agent package's model side (`@abca/agent`: building and calling a model, the agent loop),
 * loaded the first time it is needed. It brings the model SDKs (`ai`, `@ai-sdk/*`), about 0.15–0.2 s
 * of CPU to load: an API-only server, a worker of the fake agent or one that has not run a task yet
 * does not pay for them at start. What needs no SDK comes from `@abca/agent/without-models`.
 */
export type AgentModule = typeof import('@abca/agent');

let loading: Promise<AgentModule> | undefined;

export function loadAgent(): Promise<AgentModule> {
  loading ??= import('@abca/agent');
  return loading;
}
