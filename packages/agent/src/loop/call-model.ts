import {
  generateText,
  jsonSchema,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  streamText,
  type ToolSet,
  type TypedToolCall,
  tool,
} from 'ai';
import { classifyModelError } from '../models/classify-model-error.ts';
import { withPromptCache } from '../models/prompt-cache.ts';
import type { Attempt } from '../models/retry.ts';
import type { TokenCounts } from '../pricing.ts';
import type { AgentTool } from '../tools/define-tool.ts';

/** One single-step request: the loop owns the turn, the SDK only speaks the provider's protocol. */
export interface ModelCallRequest {
  model: LanguageModel;
  modelRef: string;
  system: string;
  messages: readonly ModelMessage[];
  tools: readonly AgentTool[];
  stream: boolean;
  signal: AbortSignal;
  maxOutputTokens?: number;
  /** Aborts one attempt that takes longer (a hung server); the failure is retryable. */
  callTimeoutMs: number;
}

/** A tool call as the model sent it; `problem` is set when it cannot be run as is. */
export interface StepToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  problem?: { kind: 'unknown_tool' | 'invalid_input'; detail: string };
}

/** What one model call produced. */
export interface ModelStep {
  /** Assistant message(s) to append to the history (tool calls included, results not). */
  messages: ModelMessage[];
  text: string;
  toolCalls: StepToolCall[];
  tokens: TokenCounts;
  finishReason: string;
}

/**
 * Makes one model call without tool execution (the tools have no `execute`), streaming or not,
 * and returns its outcome as a value: never throws, and reports an abort by the caller's signal as
 * `aborted` rather than as an error. SDK retries are off; the caller retries (see `withRetries`).
 */
export async function callModelOnce(request: ModelCallRequest): Promise<Attempt<ModelStep>> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('model call timed out')), request.callTimeoutMs);
  const abortSignal = AbortSignal.any([request.signal, timeout.signal]);
  const prompt = withPromptCache(request.modelRef, request.system, request.messages);
  const settings = {
    model: request.model,
    system: prompt.system,
    messages: prompt.messages,
    tools: toToolSet(request.tools),
    maxRetries: 0,
    abortSignal,
    ...(request.maxOutputTokens ? { maxOutputTokens: request.maxOutputTokens } : {}),
  };
  try {
    let step: ModelStep;
    if (request.stream) {
      const result = streamText({ ...settings, onError: () => {} });
      let failure: unknown;
      for await (const part of result.fullStream) {
        if (part.type === 'error') failure ??= part.error;
        if (part.type === 'abort') failure ??= new Error('aborted');
      }
      if (failure !== undefined) throw failure;
      const [response, usage, toolCalls, text, finishReason] = await Promise.all([
        result.response,
        result.usage,
        result.toolCalls,
        result.text,
        result.finishReason,
      ]);
      step = toStep(response.messages, usage, toolCalls, text, finishReason);
    } else {
      const result = await generateText(settings);
      step = toStep(
        result.response.messages,
        result.usage,
        result.toolCalls,
        result.text,
        result.finishReason,
      );
    }
    return { ok: true, value: step };
  } catch (error) {
    if (request.signal.aborted) return { ok: false, aborted: true, error: classifyModelError(error) };
    if (timeout.signal.aborted) {
      return {
        ok: false,
        error: {
          code: 'MODEL_UNAVAILABLE',
          message: `The model did not answer within ${request.callTimeoutMs} ms.`,
          retryable: true,
        },
      };
    }
    return { ok: false, error: classifyModelError(error) };
  } finally {
    clearTimeout(timer);
  }
}

function toToolSet(tools: readonly AgentTool[]): ToolSet {
  const set: ToolSet = {};
  for (const agentTool of tools) {
    // No `validate`: arguments are checked by the tool itself, which answers the model with a fix.
    const inputSchema = jsonSchema(agentTool.inputSchema as Parameters<typeof jsonSchema>[0]);
    set[agentTool.name] = tool({ description: agentTool.description, inputSchema });
  }
  return set;
}

function toStep(
  responseMessages: ModelMessage[],
  usage: LanguageModelUsage,
  toolCalls: TypedToolCall<ToolSet>[],
  text: string,
  finishReason: string,
): ModelStep {
  // The SDK appends its own error results for invalid calls; the loop writes every result itself.
  const messages = responseMessages.filter((message) => message.role === 'assistant');
  return {
    messages,
    text,
    toolCalls: toolCalls.map(toStepToolCall),
    tokens: {
      inputTokens: usage.inputTokens ?? 0,
      outputTokens: usage.outputTokens ?? 0,
      cacheReadTokens: usage.inputTokenDetails?.cacheReadTokens ?? usage.cachedInputTokens ?? 0,
      cacheWriteTokens: usage.inputTokenDetails?.cacheWriteTokens ?? 0,
    },
    finishReason,
  };
}

function toStepToolCall(call: TypedToolCall<ToolSet>): StepToolCall {
  const base = { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input };
  if (!('invalid' in call) || !call.invalid) return base;
  const error = call.error;
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error ? error.message : String(error);
  return {
    ...base,
    problem: { kind: name === 'AI_NoSuchToolError' ? 'unknown_tool' : 'invalid_input', detail },
  };
}
