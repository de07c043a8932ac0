import type { LanguageModel } from 'ai';
import type { AgentEvent } from '../events.ts';
import { windowFromContextError } from '../models/classify-model-error.ts';
import { type Attempt, type RetryPolicy, withRetries } from '../models/retry.ts';
import { computeCost, type ModelPrice } from '../pricing.ts';
import type { AgentTool } from '../tools/define-tool.ts';
import type { OutputStore } from '../tools/saved-output.ts';
import type { AgentTranscript } from '../transcript.ts';
import { callModelOnce, type ModelStep } from './call-model.ts';
import {
  COMPACTION_SYSTEM,
  compactionRequest,
  planCompaction,
  renderHistory,
  summaryMessage,
  taskText,
} from './compact.ts';
import { calibrateOverhead, messagesTokens, promptTokens, tokensOfChars } from './context-window.ts';
import { pruneToolOutputs } from './prune.ts';
import { addUsage } from './run-state.ts';

type EventInput = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'at'> : never) : never;

/** Compactions after context-length errors within one turn before the run gives up. */
const MAX_RECOVERIES = 2;
/** Tries of the compaction call, the history halved after each context-length error. */
const SUMMARY_TRIES = 3;
/** Most recent turns kept verbatim by a compaction (fewer when they are too big). */
const KEEP_TURNS = 2;
/** Below this share of the window the messages are not worth compacting (the rest is overhead). */
const MIN_COMPACTABLE_SHARE = 0.2;
const SUMMARY_MAX_CHARS = 20_000;
const SUMMARY_MAX_OUTPUT_TOKENS = 4096;

/** What context management needs of the run. */
export interface ContextManagerDeps {
  model: LanguageModel;
  modelRef: string;
  system: string;
  tools: readonly AgentTool[];
  /** The model's window in input tokens, when known (configured or the family's default). */
  windowTokens: number | undefined;
  /** Share of the window at which pruning, then compaction, start. */
  threshold: number;
  stream: boolean;
  signal: AbortSignal;
  callTimeoutMs: number;
  retry: RetryPolicy;
  price: ModelPrice;
  store: OutputStore;
  redact: (text: string) => string;
  emit: (event: EventInput) => Promise<void>;
  save: () => Promise<void>;
  now: () => number;
}

type CallResult = Attempt<ModelStep> & { retries: number };

/** Context management of one run: see {@link createContextManager}. */
export interface ContextManager {
  /** Before a turn's call: prunes old tool outputs, then compacts, when the prompt nears the window. */
  beforeCall(state: AgentTranscript, turn: number): Promise<void>;
  /**
   * Makes the turn's call (`attempt` reads `state.messages` afresh each time) and calibrates the
   * estimate on success. A context-length error compacts the history and retries, a bounded number
   * of times; what is returned is then a success, or the error saying compaction could not help.
   */
  call(state: AgentTranscript, turn: number, attempt: () => Promise<CallResult>): Promise<CallResult>;
}

/**
 * Tracks how full the model's context is (the last call's input tokens against the window) and
 * keeps it from overflowing: older tool outputs are pruned first (saved in the sandbox, a
 * placeholder says where), then the history is compacted into a summary written by the model.
 * Every change is saved in the transcript, so a resumed run continues from the compacted state.
 */
export function createContextManager(deps: ContextManagerDeps): ContextManager {
  const contextOf = (state: AgentTranscript) => {
    state.context ??= {
      overheadTokens: tokensOfChars(deps.system.length + JSON.stringify(deps.tools.map(schemaOf)).length),
      compactions: 0,
    };
    return state.context;
  };
  // A window the provider named in a context-length error is the truth when it is the smaller one.
  const windowOf = (state: AgentTranscript) => {
    const known = [deps.windowTokens, state.context?.learnedWindowTokens].filter((w) => w !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
  };
  const estimate = (state: AgentTranscript) => promptTokens(state.messages, contextOf(state).overheadTokens);

  async function summarise(
    state: AgentTranscript,
    turn: number,
    older: string,
    task: string,
    budget: number,
  ) {
    let budgetChars = budget;
    for (let attempt = 0; attempt < SUMMARY_TRIES; attempt++) {
      const started = deps.now();
      const call = await withRetries(
        () =>
          callModelOnce({
            model: deps.model,
            modelRef: deps.modelRef,
            system: COMPACTION_SYSTEM,
            messages: [{ role: 'user', content: compactionRequest(task, older.slice(-budgetChars)) }],
            tools: [],
            stream: deps.stream,
            signal: deps.signal,
            callTimeoutMs: deps.callTimeoutMs,
            maxOutputTokens: SUMMARY_MAX_OUTPUT_TOKENS,
          }),
        deps.retry,
        deps.signal,
      );
      const base = {
        type: 'model_call',
        turn,
        modelRef: deps.modelRef,
        latencyMs: Math.max(0, deps.now() - started),
        retries: call.retries,
      } as const;
      if (!call.ok) {
        const error = { code: call.error.code, message: deps.redact(call.error.message), retryable: false };
        await deps.emit({ ...base, ...ZERO_TOKENS, costUsd: 0, error });
        if (call.aborted || call.error.code !== 'MODEL_CONTEXT_EXCEEDED') return undefined;
        budgetChars = Math.floor(budgetChars / 2);
        continue;
      }
      const costUsd = computeCost(call.value.tokens, deps.price);
      state.usage = addUsage(state.usage, call.value.tokens, costUsd);
      await deps.emit({ ...base, ...call.value.tokens, costUsd, finishReason: call.value.finishReason });
      const summary = deps.redact(call.value.text).trim().slice(0, SUMMARY_MAX_CHARS);
      return summary === '' ? undefined : summary;
    }
    return undefined;
  }

  /** Replaces the history by task + summary + recent turns; false when it could not. */
  async function compact(
    state: AgentTranscript,
    turn: number,
    reason: 'threshold' | 'context_length_error',
    keepTurns: number,
  ): Promise<boolean> {
    const before = estimate(state);
    const window = windowOf(state) ?? Math.max(4000, Math.floor(before * 0.8));
    const plan = planCompaction(state.messages, keepTurns, Math.floor(window * 0.25));
    if (!plan) return false;
    // The summary request must fit the window itself: half of it for the history, at most.
    const budgetChars = Math.max(2000, Math.floor(window * 0.5) * 4);
    const history = renderHistory(plan.older, budgetChars);
    const summary = await summarise(state, turn, history, taskText(plan.task), budgetChars);
    if (!summary) return false;
    state.messages = [plan.task, summaryMessage(summary), ...plan.recent];
    const context = contextOf(state);
    context.compactions += 1;
    await deps.emit({
      type: 'context_compacted',
      turn,
      reason,
      tokensBefore: before,
      tokensAfter: estimate(state),
      ...(windowOf(state) ? { windowTokens: windowOf(state) } : {}),
      keptMessages: plan.recent.length,
      summaryChars: summary.length,
    });
    await deps.save();
    return true;
  }

  return {
    async beforeCall(state, turn) {
      const window = windowOf(state);
      if (!window) return;
      const limit = window * deps.threshold;
      const before = estimate(state);
      if (before < limit) return;
      const pruned = await pruneToolOutputs(state.messages, deps.store);
      if (pruned.outputs > 0) {
        state.messages = pruned.messages;
        await deps.emit({
          type: 'context_pruned',
          turn,
          outputs: pruned.outputs,
          tokensBefore: before,
          tokensAfter: estimate(state),
          windowTokens: window,
        });
        await deps.save();
        if (estimate(state) < limit) return;
      }
      // When the system prompt and tools are most of it, a summary of the messages cannot help.
      if (messagesTokens(state.messages) < window * MIN_COMPACTABLE_SHARE) return;
      await compact(state, turn, 'threshold', KEEP_TURNS);
    },

    async call(state, turn, attempt) {
      for (let recovery = 0; ; recovery++) {
        const sent = state.messages;
        const started = deps.now();
        const result = await attempt();
        if (result.ok) {
          if (result.value.tokens.inputTokens > 0) {
            contextOf(state).overheadTokens = calibrateOverhead(result.value.tokens.inputTokens, sent);
          }
          return result;
        }
        if (result.aborted || result.error.code !== 'MODEL_CONTEXT_EXCEEDED') return result;
        if (recovery < MAX_RECOVERIES) {
          // The refused call is reported before the compaction that answers it (the last one by the loop).
          await deps.emit({
            type: 'model_call',
            turn,
            modelRef: deps.modelRef,
            latencyMs: Math.max(0, deps.now() - started),
            retries: result.retries,
            ...ZERO_TOKENS,
            costUsd: 0,
            error: { code: result.error.code, message: deps.redact(result.error.message), retryable: false },
          });
        }
        const named = windowFromContextError(result.error.message);
        if (named && named < (windowOf(state) ?? Number.POSITIVE_INFINITY))
          contextOf(state).learnedWindowTokens = named;
        // First keep the last turn, then nothing but the task and the summary.
        const compacted =
          recovery < MAX_RECOVERIES &&
          ((await compact(state, turn, 'context_length_error', 1 - recovery)) ||
            (recovery === 0 && (await compact(state, turn, 'context_length_error', 0))));
        if (compacted) continue;
        return {
          ...result,
          error: {
            ...result.error,
            message: `The conversation does not fit the model's context window, even compacted: ${result.error.message}`,
          },
        };
      }
    },
  };
}

function schemaOf(tool: AgentTool) {
  return { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
}

const ZERO_TOKENS = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
