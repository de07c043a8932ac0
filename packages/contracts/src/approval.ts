import { z } from 'zod';
import { hasNestedQuantifier } from './regex-safety.ts';

/**
 * Human approval gates (docs/approvals.md). A repo's policy names the gates its tasks stop at:
 * - `plan`: the agent first works read-only and proposes a plan; a person approves (or edits) it
 *   before the agent edits anything; a denial's reason goes back to the agent, which plans again;
 * - `push`: after the validation gate and before anything is pushed;
 * - `tool`: a tool call that matches one of the rules (a command pattern, a network host outside
 *   the allowlist, a file under a path) waits before it runs; a denial answers the call with the
 *   reason and the agent goes on.
 * A gated task waits in AWAITING_APPROVAL holding no worker slot and no sandbox. Nobody deciding
 * within the policy's timeout is a denial: the task ends FAILED with APPROVAL_TIMEOUT.
 */
export const APPROVAL_GATES = ['plan', 'push', 'tool'] as const;
export const ApprovalGate = z.enum(APPROVAL_GATES);
export type ApprovalGate = z.infer<typeof ApprovalGate>;

/** What each gate is called in words (CLI, Slack, GitHub, the dashboard). */
export const APPROVAL_GATE_NAMES: Readonly<Record<ApprovalGate, string>> = {
  plan: 'plan',
  push: 'push',
  tool: 'tool call',
};

/** A push request's validation, in words. */
export function validationInWords(passed: boolean | null): string {
  return passed === null ? 'no validation ran' : passed ? 'validation passed' : 'validation failed';
}

/** `pending` until decided; `expired`: the timeout decided (a denial); `cancelled`: the task was. */
export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export const ApprovalState = z.enum(APPROVAL_STATES);
export type ApprovalState = z.infer<typeof ApprovalState>;

/** Where a decision came from: every decision is an event naming who made it and how. */
export const APPROVAL_CHANNELS = ['api', 'cli', 'dashboard', 'slack', 'github', 'timeout', 'system'] as const;
export const ApprovalChannel = z.enum(APPROVAL_CHANNELS);
export type ApprovalChannel = z.infer<typeof ApprovalChannel>;

/** Is `s` a regular expression JavaScript accepts (in unicode mode)? */
function isRegex(s: string): boolean {
  try {
    new RegExp(s, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * A command rule: a JavaScript regular expression (unicode mode, case-sensitive) searched for in the
 * whole command line. A repeated group holding another repeat (`(a+)+`) is refused: matching it
 * can take exponential time on a hostile command.
 */
export const CommandPattern = z
  .string()
  .min(1)
  .max(500)
  .refine(isRegex, {
    message: 'must be a valid regular expression (JavaScript syntax), such as ^git push|rm -rf',
    abort: true,
  })
  .refine(
    (s) => !hasNestedQuantifier(s),
    'repeats a group that holds a repeat (like (a+)+), which can make matching take exponential time: write it without the nesting',
  );

/** A path rule: a repo-relative path or folder (`infra/`, `package.json`); `*` matches within a segment, `**` across. */
export const PathPattern = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0\n\r]+$/,
    'must be a repo-relative path such as infra/ or src/**/*.sql',
  );

/** A network rule: a host the agent's command names (`*.example.com` for sub-domains). */
export const HostPattern = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/,
    'must be a host name such as api.example.com or *.example.com',
  );

export const ToolRules = z.strictObject({
  /** A command (the `bash` tool) matching one of these waits. */
  commands: z.array(CommandPattern).max(50).optional(),
  /** A command naming a host outside the sandbox's allowlist waits (true), or one of these hosts. */
  hosts_outside_allowlist: z.boolean().optional(),
  hosts: z.array(HostPattern).max(50).optional(),
  /** An edit or a write to a file under one of these paths waits. */
  paths: z.array(PathPattern).max(50).optional(),
});
export type ToolRules = z.infer<typeof ToolRules>;

export const DEFAULT_APPROVAL_TIMEOUT_S = 24 * 3600;

/** A repo's approval policy (repo setting `approvals`); validated at onboarding, field by field. */
export const ApprovalPolicy = z.strictObject({
  plan: z.boolean().optional(),
  push: z.boolean().optional(),
  tools: ToolRules.optional(),
  /** How long a request waits for a decision; then it is denied (default 24 hours). */
  timeout_s: z
    .number()
    .int()
    .min(10)
    .max(30 * 24 * 3600)
    .optional(),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/** What the person is asked to approve, by gate. Bounded: the agent's texts are untrusted. */
export const ApprovalRequestData = z.discriminatedUnion('gate', [
  z.object({ gate: z.literal('plan'), plan: z.string().max(20_000), round: z.number().int().min(1) }),
  z.object({
    gate: z.literal('push'),
    branch: z.string(),
    commits: z.number().int().nonnegative(),
    /** `git diff --stat` of the work against its base, bounded. */
    diff_stat: z.string().max(20_000),
    validation_passed: z.boolean().nullable(),
  }),
  z.object({
    gate: z.literal('tool'),
    tool: z.string(),
    /** The call's arguments as the agent sent them, bounded and scrubbed. */
    input: z.string().max(4000),
    /** Which rule matched, in words (`command matches ^git push`). */
    rule: z.string().max(600),
  }),
]);
export type ApprovalRequestData = z.infer<typeof ApprovalRequestData>;

/** One approval as the API shows it. */
export const Approval = z.object({
  approval_id: z.string(),
  task_id: z.string(),
  gate: ApprovalGate,
  state: ApprovalState,
  request: ApprovalRequestData,
  created_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  /** The ABCA user (or `timeout`) who decided. */
  decided_by: z.string().nullable(),
  channel: ApprovalChannel.nullable(),
  reason: z.string().nullable(),
  /** A plan approved with edits: what the agent follows. */
  edited_plan: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

const Reason = z.string().trim().min(1).max(4000);

/** `POST /v1/tasks/{id}/approve`: approves the task's pending request (a plan may be edited). */
export const ApproveRequest = z.strictObject({
  /** Approves only this request (a stale page or message cannot approve a newer one). */
  approval_id: z.string().min(1).max(100).optional(),
  /** The plan to follow instead of the proposed one (plan gate only). */
  plan: z.string().trim().min(1).max(20_000).optional(),
  reason: Reason.optional(),
});
export type ApproveRequest = z.infer<typeof ApproveRequest>;

/** `POST /v1/tasks/{id}/deny`: the reason goes to the agent (plan, tool) and into the task's events. */
export const DenyRequest = z.strictObject({
  approval_id: z.string().min(1).max(100).optional(),
  reason: Reason,
});
export type DenyRequest = z.infer<typeof DenyRequest>;

/** Denials of a plan after which the task ends (the agent plans again after each earlier one). */
export const MAX_PLAN_ROUNDS = 3;
