import { createRedactor } from '@abca/agent/without-models';
import type { ModelCheckResult } from '@abca/contracts';
import type { Config } from '../config/config.ts';
import { maskUrl } from '../config/effective-config.ts';
import { loadAgent } from './agent-module.ts';

const TIMEOUT_MS = 15_000;

/**
 * Sends the configured model a one-token request (see `probeModel`) and says what came back, with
 * `secrets` (every configured secret) redacted from the message. Costs at most one output token.
 */
export async function checkModel(config: Config, secrets: readonly string[]): Promise<ModelCheckResult> {
  const ref = config.model ?? null;
  const provider = ref?.slice(0, ref.indexOf(':'));
  const baseUrl = provider
    ? maskUrl((config.modelProviders.baseUrls as Record<string, string | undefined>)[provider])
    : null;
  const base = { ref, base_url: baseUrl };
  if (config.agentRuntime === 'fake') {
    return {
      ...base,
      status: 'skipped',
      latency_ms: null,
      remedy: 'ABCA_AGENT_RUNTIME=fake: no model is used',
    };
  }
  if (!ref) {
    return {
      ...base,
      status: 'not_configured',
      latency_ms: null,
      error: { code: 'MODEL_NOT_CONFIGURED', message: 'ABCA_MODEL is not set on the server' },
      remedy:
        'set ABCA_MODEL (e.g. anthropic:claude-sonnet-4-5) and its key in the server’s environment, then restart it',
    };
  }
  const { createModel, probeModel } = await loadAgent();
  const made = createModel(ref, config.modelProviders);
  if (!made.ok) {
    return {
      ...base,
      status: 'not_configured',
      latency_ms: null,
      error: { code: made.error.code, message: made.error.message },
      remedy: made.error.remedy,
    };
  }
  const probe = await probeModel(made.value.model, { timeoutMs: TIMEOUT_MS });
  if (probe.ok) return { ...base, status: 'ok', latency_ms: probe.latencyMs };
  const redact = createRedactor(secrets);
  return {
    ...base,
    status: 'failed',
    latency_ms: probe.latencyMs,
    error: { code: probe.code, message: redact.redact(probe.message).slice(0, 500) },
    remedy: remedyFor(probe.code),
  };
}

function remedyFor(code: string): string {
  if (code === 'MODEL_TIMEOUT' || code === 'MODEL_UNAVAILABLE')
    return 'check that the model endpoint is up and reachable from the server (its base URL, proxy, firewall)';
  if (code === 'MODEL_RATE_LIMITED')
    return 'the provider is rate limiting this key; wait, or raise its limits';
  return 'check the model name and its key on the server (ABCA_MODEL and the provider’s key variable), then restart it';
}
