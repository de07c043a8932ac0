import type { ModelMessage } from 'ai';
import { systemClock } from '../clock.ts';
import type { AgentError } from '../errors.ts';
import type { AgentEvent, AgentOutcome } from '../events.ts';
import { DEFAULT_RETRY_POLICY, withRetries } from '../models/retry.ts';
import { computeCost, priceFor } from '../pricing.ts';
import { createRedactor } from '../redact.ts';
import { createDefaultTools } from '../tools/default-tools.ts';
import { createOutputStore, savedOutputNote } from '../tools/saved-output.ts';
import { preview } from '../tools/truncate.ts';
import type { AgentTranscript } from '../transcript.ts';
import { argsPreview } from './args-preview.ts';
import type { StepToolCall } from './call-model.ts';
import { callModelOnce } from './call-model.ts';
import { createContextManager } from './context-manager.ts';
import { contextWindowFor, DEFAULT_CONTEXT_THRESHOLD } from './context-window.ts';
import { type ExecutedToolCall, executeToolCalls, toolResultMessage } from './execute-tool-calls.ts';
import { outcomeForLimit, reachedLimit } from './limits.ts';
import { EMPTY_RESPONSE_PROMPT, nudgePrompt, steeringPrompt, wrapUpPrompt } from './prompts.ts';
import type { AgentResult, RunAgentOptions } from './run-agent-options.ts';
import { addUsage, createTranscript, isInterrupted, resultOf } from './run-state.ts';
import { detectStuck, recordToolCalls, toolCallKey } from './stuck-detector.ts';
import { createToolOutputTail } from './tool-output-tail.ts';

type EventInput = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'at'> : never) : never;

const PREVIEW_CHARS = 2000;
const MESSAGE_CHARS = 8000;
const TAIL_CHARS = 2000;
const TAIL_LINES = 20;

/**
 * Runs the agent loop: one model call per turn (the SDK never loops on its own), the tools the
 * model asked for, then the loop's own checks (nudges, limits, stuck detection, persistence).
 * Failures at the model boundary end the run as values (`model_error`); only the caller's own
 * callbacks (`onEvent`, `saveTranscript`, `readNudges`) can make it throw.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentResult> {
  const clock = options.clock ?? systemClock;
  const redactor = createRedactor(options.redactSecrets ?? []);
  const tools = options.tools ?? createDefaultTools(options.sandbox);
  const toolsByName = new Map(tools.map((t) => [t.name, t]));
  const price = priceFor(options.modelRef, options.pricing);
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  let state: AgentTranscript = options.transcript
    ? structuredClone(options.transcript)
    : createTranscript(options.modelRef, redactor.redact(options.prompt));
  if (state.status === 'finished') {
    if (!isInterrupted(state)) return resultOf(state);
    // A cancelled run or a model failure is an interruption: resuming goes on from the last turn.
    state.status = 'running';
    delete state.outcome;
    delete state.error;
  }

  const startedAt = clock.now();
  const elapsedBefore = state.elapsedMs;
  const elapsed = () => elapsedBefore + Math.max(0, clock.now() - startedAt);

  // One controller for everything in flight; its reason tells cancellation from the hard deadline.
  const run = new AbortController();
  let stoppedBy: 'cancelled' | 'timed_out' | 'interrupted' | undefined;
  const stop = (why: 'cancelled' | 'timed_out' | 'interrupted') => {
    stoppedBy ??= why;
    run.abort(new Error(why));
  };
  const onCancel = () => stop('cancelled');
  const onInterrupt = () => stop('interrupted');
  if (options.signal?.aborted) stop('cancelled');
  if (options.interrupt?.aborted) stop('interrupted');
  options.signal?.addEventListener('abort', onCancel, { once: true });
  options.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  // A drain abandons the model call in flight (redone on resume) but lets a running command finish.
  const callSignal = options.drain ? AbortSignal.any([run.signal, options.drain]) : run.signal;
  const interrupting = () => stoppedBy === 'interrupted';
  const { wallTimeMs } = options.limits;
  const hardDeadline =
    wallTimeMs === undefined
      ? undefined
      : setTimeout(
          () => stop('timed_out'),
          clampTimer(wallTimeMs + (options.wrapUpGraceMs ?? 300_000) - elapsed()),
        );

  const emit = async (event: EventInput) => {
    await options.onEvent({ ...event, at: new Date(clock.now()).toISOString() } as AgentEvent);
  };
  const save = async () => {
    state.elapsedMs = elapsed();
    await options.saveTranscript(structuredClone(state));
  };
  const outputs = createOutputStore(options.sandbox);
  const context = createContextManager({
    model: options.model,
    modelRef: options.modelRef,
    system: options.system,
    tools,
    windowTokens: contextWindowFor(options.modelRef, options.contextWindowTokens),
    threshold: options.contextThreshold ?? DEFAULT_CONTEXT_THRESHOLD,
    stream: options.stream ?? true,
    signal: run.signal,
    callTimeoutMs: options.modelCallTimeoutMs ?? 600_000,
    retry,
    price,
    store: outputs,
    redact: redactor.redact,
    emit,
    save,
    now: () => clock.now(),
  });
  const finish = async (outcome: AgentOutcome, error?: AgentError): Promise<AgentResult> => {
    if (stoppedBy === 'timed_out' && wallTimeMs !== undefined) {
      // The hard deadline cut the run (no time left for a wrap-up turn): report the limit too.
      state.limit = 'wall_time';
      await emit({
        type: 'limit_reached',
        turn: state.turns,
        limit: 'wall_time',
        value: elapsed(),
        threshold: wallTimeMs,
      });
    }
    state.status = 'finished';
    state.outcome = outcome;
    if (error) state.error = { ...error, message: redactor.redact(error.message) };
    await save();
    await emit({
      type: 'agent_finished',
      outcome,
      turns: state.turns,
      usage: state.usage,
      finalText: state.finalText,
      ...(state.error ? { error: state.error } : {}),
    });
    return resultOf(state);
  };
  const userMessage = (content: string): ModelMessage => ({ role: 'user', content });
  // The transcript at the start of the turn in flight: an interrupted turn is not kept.
  let turnStart: AgentTranscript | undefined;
  const interrupted = async (): Promise<AgentResult> => {
    if (turnStart) state = { ...turnStart, usage: state.usage };
    return finish('interrupted');
  };

  /** The text of the turn in flight, for its `turn_completed` (and kept with a paused turn). */
  let turnText = '';
  /**
   * Runs a turn's tool calls after the `done` ones (a turn resumed after a gate's decision). A call
   * the gate holds pauses the run: the turn is saved with what ran so far and the run ends
   * `awaiting_approval`; a resume asks the gate again about that call before it runs.
   */
  const runToolCalls = async (
    turn: number,
    calls: StepToolCall[],
    done: ExecutedToolCall[],
  ): Promise<'interrupted' | { paused: AgentResult } | { executed: ExecutedToolCall[] }> => {
    const ran = await executeToolCalls(calls.slice(done.length), {
      tools: toolsByName,
      signal: run.signal,
      redact: redactor.redact,
      now: () => clock.now(),
      ...(options.gateToolCall ? { gate: options.gateToolCall } : {}),
      saveOutput: async (id, text) => {
        const path = await outputs.save(id, text);
        return path === undefined ? undefined : savedOutputNote(path);
      },
      onStarted: (call) =>
        emit({
          type: 'tool_started',
          turn,
          toolCallId: call.toolCallId,
          tool: call.toolName,
          argsPreview: redactor.redact(argsPreview(call.input)),
        }),
      watchOutput: (call) =>
        createToolOutputTail({
          intervalMs: options.toolOutputIntervalMs ?? 5000,
          maxChars: TAIL_CHARS,
          maxLines: TAIL_LINES,
          redact: redactor.redact,
          now: () => clock.now(),
          report: (t) =>
            emit({ type: 'tool_output', turn, toolCallId: call.toolCallId, tool: call.toolName, ...t }),
        }),
      // A call cut by the stop's deadline is no tool failure: not reported, redone on resume.
      onExecuted: async (e) => {
        if (interrupting()) return;
        await emit({
          type: 'tool_call',
          turn,
          toolCallId: e.call.toolCallId,
          tool: e.call.toolName,
          args: redactor.redactValue(e.call.input),
          result: preview(e.output, PREVIEW_CHARS),
          isError: e.isError,
          durationMs: e.durationMs,
          truncated: e.truncated,
        });
      },
    });
    if (interrupting()) return 'interrupted';
    const executed = [...done, ...ran.executed];
    if (ran.waiting) {
      state.pendingTools = { turn, text: turnText, calls: structuredClone(calls), done: executed };
      await save();
      return { paused: { ...resultOf(state), outcome: 'awaiting_approval' } };
    }
    delete state.pendingTools;
    return { executed };
  };
  /** The end of a turn whose calls all ran: their results, the turn's event and the loop's checks. */
  const afterTools = async (
    turn: number,
    executed: ExecutedToolCall[],
    wrapUp: boolean,
  ): Promise<AgentResult | undefined> => {
    state.messages.push(toolResultMessage(executed));
    state.toolHistory = recordToolCalls(
      state.toolHistory,
      executed.map((e) => ({ key: toolCallKey(e.call.toolName, e.call.input), isError: e.isError })),
    );
    await emit({
      type: 'turn_completed',
      turn,
      toolCalls: executed.length,
      text: preview(turnText, PREVIEW_CHARS),
      usage: state.usage,
    });

    if (run.signal.aborted) return await finish(stoppedBy ?? 'cancelled');
    if (wrapUp) return await finish(outcomeForLimit(state.limit ?? 'max_turns'));

    const stuck = detectStuck(state.toolHistory);
    if (stuck) {
      if (state.steered) {
        return await finish('stuck', {
          code: 'AGENT_STUCK',
          message: `The agent kept failing after a steering message (${stuck.replace('_', ' ')}).`,
          retryable: false,
        });
      }
      const message = steeringPrompt(stuck);
      state.steered = true;
      state.toolHistory = [];
      state.messages.push(userMessage(message));
      await emit({ type: 'steering', turn, reason: stuck, message });
    }
    await save();
    return undefined;
  };

  try {
    // A turn paused at a gate goes on first: the held call is asked about again, then runs or not.
    if (state.pendingTools) {
      const pending = state.pendingTools;
      turnStart = structuredClone(state);
      turnText = pending.text;
      const ran = await runToolCalls(pending.turn, pending.calls, pending.done);
      if (ran === 'interrupted') return await interrupted();
      if ('paused' in ran) return ran.paused;
      const ended = await afterTools(pending.turn, ran.executed, state.phase === 'wrap_up');
      if (ended) return ended;
    }
    for (;;) {
      if (run.signal.aborted) return await finish(stoppedBy ?? 'cancelled');
      if (options.drain?.aborted) return await finish('interrupted');
      const turn = state.turns + 1;

      for (const nudge of (await options.readNudges?.()) ?? []) {
        const text = redactor.redact(nudge);
        state.messages.push(userMessage(nudgePrompt(text)));
        await emit({ type: 'nudge_received', turn, message: text });
      }

      if (state.phase === 'working') {
        const hit = reachedLimit(options.limits, {
          turns: state.turns,
          usage: state.usage,
          elapsedMs: elapsed(),
        });
        if (hit) {
          state.phase = 'wrap_up';
          state.limit = hit.limit;
          state.messages.push(userMessage(wrapUpPrompt(hit.limit)));
          await emit({ type: 'limit_reached', turn, ...hit });
        }
      }
      const wrapUp = state.phase === 'wrap_up';
      const limitOutcome = () => outcomeForLimit(state.limit ?? 'max_turns');

      await context.beforeCall(state, turn);
      if (run.signal.aborted) return await finish(stoppedBy ?? 'cancelled');
      turnStart = structuredClone(state);
      await emit({ type: 'turn_started', turn, wrapUp });
      const callStarted = clock.now();
      const call = await context.call(state, turn, () =>
        withRetries(
          () =>
            callModelOnce({
              model: options.model,
              modelRef: options.modelRef,
              system: options.system,
              messages: state.messages,
              tools,
              stream: options.stream ?? true,
              signal: callSignal,
              callTimeoutMs: options.modelCallTimeoutMs ?? 600_000,
              ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
            }),
          retry,
          callSignal,
        ),
      );
      const latencyMs = Math.max(0, clock.now() - callStarted);
      if (!call.ok && (call.aborted || callSignal.aborted)) {
        if (interrupting() || !run.signal.aborted) return await interrupted();
        return await finish(stoppedBy ?? 'cancelled');
      }
      const modelCall = {
        type: 'model_call',
        turn,
        modelRef: options.modelRef,
        latencyMs,
        retries: call.retries,
      } as const;
      if (!call.ok) {
        // A failed call is not a turn: a resume makes this turn again.
        const error = {
          code: call.error.code,
          message: redactor.redact(call.error.message),
          retryable: call.error.retryable,
        };
        await emit({ ...modelCall, ...zeroTokens, costUsd: 0, error });
        return await finish('model_error', error);
      }
      state.turns = turn;

      const step = call.value;
      const costUsd = computeCost(step.tokens, price);
      state.usage = addUsage(state.usage, step.tokens, costUsd);
      await emit({ ...modelCall, ...step.tokens, costUsd, finishReason: step.finishReason });

      const text = redactor.redact(step.text);
      if (text.trim() !== '') await emit({ type: 'message', turn, text: preview(text, MESSAGE_CHARS) });
      const turnCompleted = (toolCalls: number) =>
        emit({
          type: 'turn_completed',
          turn,
          toolCalls,
          text: preview(text, PREVIEW_CHARS),
          usage: state.usage,
        });

      if (step.toolCalls.length === 0 && step.text.trim() === '') {
        await turnCompleted(0);
        if (wrapUp) return await finish(limitOutcome());
        if (state.emptyRetryUsed) {
          return await finish('model_error', {
            code: 'MODEL_EMPTY_RESPONSE',
            message: 'The model returned an empty response twice in a row.',
            retryable: true,
          });
        }
        state.emptyRetryUsed = true;
        state.messages.push(userMessage(EMPTY_RESPONSE_PROMPT));
        await save();
        continue;
      }
      state.emptyRetryUsed = false;
      state.messages.push(...step.messages);
      if (text.trim() !== '') state.finalText = text;

      if (step.toolCalls.length === 0) {
        await turnCompleted(0);
        return await finish(wrapUp ? limitOutcome() : 'completed');
      }

      turnText = text;
      const ran = await runToolCalls(turn, step.toolCalls, []);
      if (ran === 'interrupted') return await interrupted();
      if ('paused' in ran) return ran.paused;
      const ended = await afterTools(turn, ran.executed, wrapUp);
      if (ended) return ended;
    }
  } finally {
    if (hardDeadline) clearTimeout(hardDeadline);
    options.signal?.removeEventListener('abort', onCancel);
    options.interrupt?.removeEventListener('abort', onInterrupt);
  }
}

/** setTimeout fires at once for delays over 2^31-1 ms: clamp (a run that long is not a concern). */
function clampTimer(ms: number): number {
  return Math.min(Math.max(0, ms), 2_147_483_647);
}

const zeroTokens = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
