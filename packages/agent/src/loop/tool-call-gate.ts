/** A tool call as a gate sees it, before it runs. */
export interface GatedToolCall {
  toolCallId: string;
  toolName: string;
  /** The arguments as the model sent them (parsed). */
  input: unknown;
  /** The arguments as JSON, with the run's secrets redacted: what a person may be shown. */
  argsText: string;
}

/**
 * What a gate says of one call: `run` it; `deny` it (the model gets `message` as the call's error
 * result and goes on); or `wait`: the call waits on a person, and the run ends `awaiting_approval`
 * with its turn saved (`pendingTools`), so a resume asks the gate again before the call runs.
 */
export type ToolCallVerdict = { action: 'run' } | { action: 'deny'; message: string } | { action: 'wait' };

/**
 * Asked before each well-formed call runs (approval gates). A call the model got wrong (an unknown
 * tool, arguments that do not parse) is answered with an error without asking: it never runs.
 */
export type ToolCallGate = (call: GatedToolCall) => Promise<ToolCallVerdict>;
