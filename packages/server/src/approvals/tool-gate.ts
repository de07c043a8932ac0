import type { ApprovalPolicy, ApprovalRequestData } from '@abca/contracts';
import type { ToolCallToGate, ToolCallVerdict } from '../ports/agent-runtime.ts';
import type { Queryable } from '../storage/db.ts';
import { findApproval } from './approval-store.ts';
import { createToolRuleMatcher } from './tool-rules.ts';

/** The request key of a tool call's approval: the call's id is stable across a resume. */
export const toolKey = (toolCallId: string) => `tool:${toolCallId}`;

const INPUT_CHARS = 4000;

/**
 * What the tool-call gate found during one agent run, read by the agent step once the run ended
 * `awaiting_approval`: the call to ask a person about, or that the timeout already decided.
 */
export type ToolGateHold =
  | { kind: 'ask'; key: string; request: Extract<ApprovalRequestData, { gate: 'tool' }> }
  | { kind: 'expired' }
  | { kind: 'cancelled' };

export interface ToolGate {
  /** The runtime's hook ({@link AgentRunInput.gateToolCall}); undefined when the policy has no tool rules. */
  check: ((call: ToolCallToGate) => Promise<ToolCallVerdict>) | undefined;
  /** What made the run stop, once it ended `awaiting_approval`. */
  held(): ToolGateHold | undefined;
}

/**
 * The tool-call gate of one agent run (docs/approvals.md): a call matching a rule of the policy
 * runs only once a person approved it (request `tool:<call id>`). Not decided yet: the run waits
 * (the step asks through `gate()`, which moves the task to AWAITING_APPROVAL). Approved: it runs.
 * Denied: the agent gets the reason and who denied it as the call's error, and goes on. Expired:
 * the run stops and the task ends FAILED with APPROVAL_TIMEOUT.
 */
export function createToolGate(
  db: Queryable,
  input: {
    taskId: string;
    policy: ApprovalPolicy | undefined;
    allowlist: readonly string[];
    workspacePath?: string;
  },
): ToolGate {
  const rules = input.policy?.tools;
  let hold: ToolGateHold | undefined;
  if (
    !rules ||
    !(rules.commands?.length || rules.hosts?.length || rules.paths?.length || rules.hosts_outside_allowlist)
  ) {
    return { check: undefined, held: () => undefined };
  }
  const matcher = createToolRuleMatcher(rules, {
    allowlist: input.allowlist,
    ...(input.workspacePath ? { workspacePath: input.workspacePath } : {}),
  });
  return {
    held: () => hold,
    async check(call) {
      const rule = matcher.match({ toolName: call.toolName, input: call.input });
      if (!rule) return { action: 'run' };
      const key = toolKey(call.toolCallId);
      const decided = await findApproval(db, input.taskId, key);
      switch (decided?.state) {
        case 'approved':
          return { action: 'run' };
        case 'denied':
          return {
            action: 'deny',
            message:
              `A person denied this ${call.toolName} call (denied by ${decided.decided_by ?? 'someone'}` +
              `${decided.reason ? `, reason: ${decided.reason}` : ''}). It did not run. ` +
              'Do not try to get the same effect another way; carry on without it or explain in your summary what is left to do.',
          };
        case 'expired':
          hold = { kind: 'expired' };
          return { action: 'wait' };
        case 'cancelled':
          hold = { kind: 'cancelled' };
          return { action: 'wait' };
        default:
          hold = {
            kind: 'ask',
            key,
            request: {
              gate: 'tool',
              tool: call.toolName,
              input: call.argsText.slice(0, INPUT_CHARS),
              rule: rule.slice(0, 600),
            },
          };
          return { action: 'wait' };
      }
    },
  };
}
