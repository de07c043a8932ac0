import type { LanguageModel } from 'ai';
import type { Clock } from '../clock.ts';
import type { AgentError } from '../errors.ts';
import type { AgentEvent, AgentOutcome, AgentUsage } from '../events.ts';
import type { RetryPolicy } from '../models/retry.ts';
import type { PricingOptions } from '../pricing.ts';
import type { Sandbox } from '../sandbox-port.ts';
import type { AgentTool } from '../tools/define-tool.ts';
import type { AgentTranscript } from '../transcript.ts';
import type { AgentLimits } from './limits.ts';
import type { ToolCallGate } from './tool-call-gate.ts';

/** Everything {@link runAgent} needs; all dependencies are explicit. */
export interface RunAgentOptions {
  /** The model client, e.g. `createModel(ref, { env }).value.model`. */
  model: LanguageModel;
  /** `provider:model`, for pricing, prompt caching and events. */
  modelRef: string;
  /** Where every tool runs; the loop never touches the host. */
  sandbox: Sandbox;
  system: string;
  /** The task; ignored when resuming from `transcript`. Redacted before use. */
  prompt: string;
  limits: AgentLimits;
  /** Tools offered to the model (default: {@link createDefaultTools} on `sandbox`). */
  tools?: AgentTool[];
  /** Stream model responses (default true). Both modes yield the same turns. */
  stream?: boolean;
  pricing?: PricingOptions;
  /** Exact secret values to redact from tool output, errors, events and the transcript. */
  redactSecrets?: string[];
  /** A transcript saved by an earlier attempt: the run resumes from it without repeating a turn. */
  transcript?: AgentTranscript;
  /** Receives every event in order; awaited. A throw aborts the run (it is the caller's failure). */
  onEvent: (event: AgentEvent) => void | Promise<void>;
  /** Called after every turn and at the end with the full transcript; awaited. */
  saveTranscript: (transcript: AgentTranscript) => Promise<void>;
  /** Messages from the task's owner, read between turns (each is delivered once). */
  readNudges?: () => Promise<string[]>;
  /** Cancels at once: the in-flight model call and the running command are aborted. */
  signal?: AbortSignal;
  /**
   * The process is stopping (a drain): the run ends `interrupted` at its next turn boundary with its
   * transcript saved. A model call in flight is abandoned (it has no effect; the turn is made again
   * on resume); a running command is let finish, until `interrupt`.
   */
  drain?: AbortSignal;
  /**
   * The drain's deadline: the turn in flight is abandoned at once (its command aborted), is not
   * recorded (no tool error, nothing for stuck detection) and the transcript goes back to the turn's
   * start, so a resume makes that turn again. The run ends `interrupted`.
   */
  interrupt?: AbortSignal;
  clock?: Clock;
  /** Backoff on 429/5xx/network failures (default {@link DEFAULT_RETRY_POLICY}). */
  retry?: Partial<RetryPolicy>;
  /** One model attempt longer than this is aborted and retried (default 600 000 ms). */
  modelCallTimeoutMs?: number;
  /**
   * The model's context window in input tokens (default: the model family's, see
   * `contextWindowFor`; unknown families get context management only after a context-length error).
   */
  contextWindowTokens?: number;
  /** Share of the window at which older tool outputs are pruned, then the history compacted (default 0.8). */
  contextThreshold?: number;
  /** Cap on output tokens per call (default: the provider's). */
  maxOutputTokens?: number;
  /**
   * How often a running tool's output tail is reported (`tool_output` events), at most; a tool
   * that ends sooner reports none (default 5 000 ms).
   */
  toolOutputIntervalMs?: number;
  /**
   * When `limits.wallTimeMs` is set: how long after it the run is aborted outright if the wrap-up
   * turn has not finished (default 300 000 ms).
   */
  wrapUpGraceMs?: number;
  /**
   * Asked before each well-formed tool call runs (approval gates; see {@link ToolCallGate}). A call
   * it holds ends the run `awaiting_approval` with the turn saved in the transcript; the caller
   * resumes from that transcript once a person decided, and the gate is asked again.
   */
  gateToolCall?: ToolCallGate;
}

/**
 * How a run ended. `transcript` is the final saved transcript (status `finished`), except for
 * `awaiting_approval`: a tool call waits on a person; the transcript is `running` with the turn in
 * `pendingTools`, and resuming from it goes on at that call.
 */
export interface AgentResult {
  outcome: AgentOutcome | 'awaiting_approval';
  /** Model turns made, including the wrap-up turn and an empty-response retry. */
  turns: number;
  usage: AgentUsage;
  /** The model's last text (redacted): its summary on completion or wrap-up. */
  finalText: string;
  /** Set for `model_error` and `stuck`. */
  error?: AgentError;
  transcript: AgentTranscript;
}
