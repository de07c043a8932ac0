import type { ToolModelMessage } from 'ai';
import type { AgentTool } from '../tools/define-tool.ts';
import type { StepToolCall } from './call-model.ts';

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
}

/**
 * Runs the calls one after the other (edits and commands depend on order). A call the model got
 * wrong (unknown tool, unparsable arguments) becomes an error result saying how to fix it; once the
 * run is aborted the remaining calls are answered as cancelled, so the history stays well-formed.
 */
export async function executeToolCalls(calls: readonly StepToolCall[], run: ToolExecution) {
  const executed: ExecutedToolCall[] = [];
  for (const call of calls) {
    const result = await executeOne(call, run);
    executed.push(result);
    await run.onExecuted(result);
  }
  return executed;
}

async function executeOne(call: StepToolCall, run: ToolExecution): Promise<ExecutedToolCall> {
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
  const { saveOutput } = run;
  const result = await tool.run(call.input, {
    signal: run.signal,
    redact: run.redact,
    now: run.now,
    ...(saveOutput ? { saveOutput: (text: string) => saveOutput(call.toolCallId, text) } : {}),
  });
  return { call, ...result };
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
