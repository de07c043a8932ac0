import { z } from 'zod';
import { ValidationMode } from '../repo.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
/** A command's exit code, or null when a signal killed it. */
const exitCode = z.number().int().nullable();

/** What the deterministic steps found and did around the agent. */
export const WORK_EVENT_DATA = {
  'hydration.warning': z.object({ message: z.string() }),
  'hydration.completed': z.object({
    prompt_chars: count,
    /** The repo's instruction files read into the prompt (`AGENTS.md`, ...). */
    instructions: z.array(z.string()),
    /** The issue or pull request number the prompt holds, or null. */
    issue: z.number().int().nullable(),
    pull_request: z.number().int().nullable(),
  }),
  'preflight.failed': z.object({
    /** What failed: `forge`, `agent_runtime`, `branch`, `sandbox`, `workspace`, `setup`. */
    check: z.string(),
    code: z.string(),
    message: z.string(),
  }),
  'preflight.workspace_ready': z.object({
    base_commit: z.string(),
    /** The sandbox backend (`bubblewrap`, `local`). */
    sandbox: z.string(),
    forge_access_ms: ms.optional(),
    model_ms: ms.optional(),
    branch_ms: ms.optional(),
    workspace_ms: ms.optional(),
  }),
  'preflight.setup': z.object({
    ok: z.boolean(),
    exit_code: exitCode,
    duration_ms: ms,
    /** The end of its output (redacted). */
    output_tail: z.string(),
  }),
  'preflight.baseline': z.object({
    check: z.string(),
    ok: z.boolean(),
    exit_code: exitCode,
    duration_ms: ms,
  }),
  'preflight.passed': z.object({ forge: z.string(), agent_runtime: z.string() }),
  'workspace.restored': z.object({ head: z.string(), executor_id: z.string() }),
  'workspace.recreated': z.object({ base_commit: z.string(), executor_id: z.string() }),
  'workspace.setup': z.object({ ok: z.boolean(), exit_code: exitCode, duration_ms: ms }),
  'workspace.checkpoint_saved': z.object({ head: z.string(), bytes: count }),
  'workspace.checkpoint_failed': z.object({ code: z.string().optional(), message: z.string() }),
  'finalization.validation': z.object({
    mode: ValidationMode,
    passed: z.boolean(),
    /** The checks that failed the gate. */
    failing: z.array(z.string()),
    checks: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        exit_code: exitCode,
        /** How the same check did before the agent, or null when it was not run. */
        baseline_ok: z.boolean().nullable(),
      }),
    ),
  }),
  'finalization.pushed': z.object({
    branch: z.string(),
    commit: z.string(),
    commits: count,
    /** An iteration's work rebased onto commits someone pushed to the branch meanwhile. */
    rebased: z.boolean().optional(),
  }),
  'finalization.pr_opened': z.object({ number: z.number().int(), url: z.string(), draft: z.boolean() }),
  'sandbox.egress_blocked': z.object({
    host: z.string(),
    port: z.number().int(),
    reason: z.enum(['not_allowlisted', 'port_not_allowed', 'private_address', 'resolve_failed']),
    address: z.string().optional(),
  }),
  'sandbox.warning': z.object({ message: z.string() }),
} as const;
