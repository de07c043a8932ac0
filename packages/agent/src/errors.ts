/**
 * Codes of the failures the agent reports as values (never thrown across the model boundary).
 *
 * - `MODEL_NOT_CONFIGURED`: the model reference cannot be turned into a client (unknown provider,
 *   missing key, missing base URL or region). Not retryable until the configuration changes.
 * - `MODEL_RATE_LIMITED`: the provider kept answering 429 after every retry. Retryable later.
 * - `MODEL_UNAVAILABLE`: 5xx, dropped connections or a call timeout after every retry. Retryable.
 * - `MODEL_REQUEST_REJECTED`: a 4xx other than 408/409/429 (bad key, unknown model, bad request).
 * - `MODEL_CONTEXT_EXCEEDED`: the conversation does not fit the model's context window (the
 *   provider's "context length exceeded" / "prompt is too long"). The loop answers it by compacting
 *   the history and retrying; a run ends with it only when compaction could not make it fit.
 * - `MODEL_EMPTY_RESPONSE`: the model answered nothing twice in a row (once after a retry prompt).
 * - `AGENT_STUCK`: the stuck detector fired a second time after its steering message.
 */
export type AgentErrorCode =
  | 'MODEL_NOT_CONFIGURED'
  | 'MODEL_RATE_LIMITED'
  | 'MODEL_UNAVAILABLE'
  | 'MODEL_REQUEST_REJECTED'
  | 'MODEL_CONTEXT_EXCEEDED'
  | 'MODEL_EMPTY_RESPONSE'
  | 'AGENT_STUCK';

/** A failure of a run, as a value. `retryable` says whether running again could help. */
export interface AgentError {
  code: AgentErrorCode;
  message: string;
  retryable: boolean;
}

/** Why {@link createModel} could not build a model: what is wrong and how to fix it. */
export interface ModelConfigError {
  code: 'MODEL_NOT_CONFIGURED';
  message: string;
  remedy: string;
}

/** Builds a {@link ModelConfigError}. */
export function modelNotConfigured(message: string, remedy: string): ModelConfigError {
  return { code: 'MODEL_NOT_CONFIGURED', message, remedy };
}
