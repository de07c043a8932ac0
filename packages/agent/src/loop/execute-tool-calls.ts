import type { ToolModelMessage } from 'ai';
import type { AgentTool } from '../tools/define-tool.ts';
import type { StepToolCall } from './call-model.ts';
import type { ToolCallGate } from './tool-call-gate.ts';

/** The result of one tool call, ready for the model and for the `tool_call` event. */
export interface ExecutedToolCall {
  call: StepToolCall;
  output: string;
  isError: boolean;
  durationMs: number;
  truncated: boolean;
}

/** Services the execution needs. */
export interface ToolExecution {
  tools: ReadonlyMap<string, AgentTool>;
  signal: AbortSignal;
  redact: (text: string) => string;
  now: () => number;
  /** Keeps a truncated output in full, returning the note saying where (see `OutputStore`). */
  saveOutput?: (toolCallId: string, text: string) => Promise<string | undefined>;
  /** Called after each call, in order (events). */
  onExecuted: (executed: ExecutedToolCall) => Promise<void>;
  /** Called before a tool runs (not for calls answered with an error without running). */
  onStarted?: (call: StepToolCall) => Promise<void>;
  /** Receives a running tool's output; `close` once it ended (awaited before `onExecuted`). */
  watchOutput?: (call: StepToolCall) => { push(text: string): void; close(): Promise<void> };
  /** Asked before each well-formed call runs (approval gates); absent: every call runs. */
  gate?: ToolCallGate;
}

/** The calls answered, in order; `waiting`: the call after them waits on a person and nothing after it ran. */
export interface ToolCallsRun {
  executed: ExecutedToolCall[];
  waiting?: StepToolCall;
}

/**
 * Runs the calls one after the other (edits and commands depend on order). A call the model got
 * wrong (unknown tool, unparsable arguments) becomes an error result saying how to fix it; once the
 * run is aborted the remaining calls are answered as cancelled, so the history stays well-formed.
 * A gate may deny a call (its result is the gate's message, as an error) or hold it: then the run
 * of the calls stops before it, and `waiting` names it.
 */
export async function executeToolCalls(
  calls: readonly StepToolCall[],
  run: ToolExecution,
): Promise<ToolCallsRun> {
  const executed: ExecutedToolCall[] = [];
  for (const call of calls) {
    const result = await executeOne(call, run);
    if (result === 'wait') return { executed, waiting: call };
    executed.push(result);
    await run.onExecuted(result);
  }
  return { executed };
}

async function executeOne(call: StepToolCall, run: ToolExecution): Promise<ExecutedToolCall | 'wait'> {
  const fail = (output: string): ExecutedToolCall => ({
    call,
    output: run.redact(output),
    isError: true,
    durationMs: 0,
    truncated: false,
  });
  if (run.signal.aborted) return fail('Cancelled: the run was stopped before this call ran.');
  const tool = run.tools.get(call.toolName);
  if (!tool || call.problem?.kind === 'unknown_tool') {
    const names = [...run.tools.keys()].join(', ');
    return fail(
      `Unknown tool "${call.toolName}". The available tools are: ${names}. Call one of them instead.`,
    );
  }
  if (call.problem) {
    const raw = typeof call.input === 'string' ? call.input : JSON.stringify(call.input);
    return fail(
      `The arguments of your "${call.toolName}" call could not be parsed (${call.problem.detail.split('\n')[0]}). ` +
        `You sent: ${raw.slice(0, 500)}\nCall "${call.toolName}" again with a JSON object matching its schema: ` +
        JSON.stringify(tool.inputSchema),
    );
  }
  if (run.gate) {
    const verdict = await run.gate({
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      argsText: run.redact(JSON.stringify(call.input) ?? ''),
    });
    if (verdict.action === 'wait') return 'wait';
    if (verdict.action === 'deny') return fail(verdict.message);
  }
  const { saveOutput } = run;
  await run.onStarted?.(call);
  const watch = run.watchOutput?.(call);
  try {
    const result = await tool.run(call.input, {
      signal: run.signal,
      redact: run.redact,
      now: run.now,
      ...(saveOutput ? { saveOutput: (text: string) => saveOutput(call.toolCallId, text) } : {}),
      ...(watch ? { onOutput: (text: string) => watch.push(text) } : {}),
    });
    return { call, ...result };
  } finally {
    await watch?.close();
  }
}

/** The tool message answering every call of a turn, in call order. */
export function toolResultMessage(executed: readonly ExecutedToolCall[]): ToolModelMessage {
  return {
    role: 'tool',
    content: executed.map((e) => ({
      type: 'tool-result' as const,
      toolCallId: e.call.toolCallId,
      toolName: e.call.toolName,
      output: e.isError
        ? { type: 'error-text' as const, value: e.output }
        : { type: 'text' as const, value: e.output },
    })),
  };
}
