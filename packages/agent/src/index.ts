/**
 * `@abca/agent`: the built-in coding agent. The loop, its tools, limits and events; no HTTP server
 * and no database (the caller persists transcripts and events through callbacks).
 */
export { type Clock, systemClock } from './clock.ts';
export type { AgentError, AgentErrorCode, ModelConfigError } from './errors.ts';
export {
  type AgentEvent,
  type AgentEventType,
  type AgentOutcome,
  type AgentUsage,
  agentErrorSchema,
  agentEventSchema,
  agentOutcomeSchema,
  agentUsageSchema,
  type LimitKind,
  limitKindSchema,
} from './events.ts';
export type { AgentLimits, LimitHit } from './loop/limits.ts';
export { runAgent } from './loop/run-agent.ts';
export type { AgentResult, RunAgentOptions } from './loop/run-agent-options.ts';
export { createTranscript } from './loop/run-state.ts';
export type { GatedToolCall, ToolCallGate, ToolCallVerdict } from './loop/tool-call-gate.ts';
export { type ClassifiedModelError, classifyModelError } from './models/classify-model-error.ts';
export { type CompletionResult, completeOnce } from './models/complete-once.ts';
export {
  type CreateModelOptions,
  type CreateModelResult,
  createModel,
  PROVIDERS,
  type ResolvedModel,
} from './models/create-model.ts';
export { splitModelRef } from './models/model-ref.ts';
export { type ModelProbe, probeModel } from './models/probe-model.ts';
export type { ProviderAdapter, ProviderBuildInput } from './models/provider-adapter.ts';
export {
  type AnthropicCredentials,
  type AwsCredentials,
  type BedrockCredentials,
  isProviderId,
  type OpenAICompatibleCredentials,
  type OpenAICredentials,
  PROVIDER_IDS,
  type ProviderBaseUrls,
  type ProviderCredentials,
  type ProviderId,
} from './models/provider-credentials.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './models/retry.ts';
export {
  computeCost,
  DEFAULT_PRICES,
  FREE_PROVIDERS,
  lookupPrice,
  type ModelPrice,
  type PriceLookup,
  type PriceTable,
  type PricingOptions,
  priceFor,
  type TokenCounts,
  ZERO_PRICE,
} from './pricing.ts';
export { createRedactor, REDACTED, type Redactor, SECRET_PATTERNS } from './redact.ts';
export { createBashTool } from './tools/bash.ts';
export { createDefaultTools } from './tools/default-tools.ts';
export {
  type AgentTool,
  defineTool,
  type ToolDefinition,
  ToolError,
  type ToolOutput,
  type ToolResult,
  type ToolRunContext,
} from './tools/define-tool.ts';
export { createEditFileTool } from './tools/edit-file.ts';
export { createGlobTool } from './tools/glob.ts';
export { createGrepTool } from './tools/grep.ts';
export { createReadFileTool } from './tools/read-file.ts';
export { resolveWorkspacePath } from './tools/workspace-path.ts';
export { createWriteFileTool } from './tools/write-file.ts';
export { type AgentTranscript, agentTranscriptSchema } from './transcript.ts';
