import type { ValidationMode } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';

/** The result of one of the repo's own commands (setup, build, test, lint) run in the sandbox. */
export interface CheckResult {
  name: string;
  command: string;
  exitCode: number | null;
  ok: boolean;
  durationMs: number;
  killed?: string;
  /** The last lines of output, secrets scrubbed, for events and the PR body. */
  outputTail: string;
}

const TAIL_CHARS = 4000;
/** Wall time of a repo's setup command. */
export const SETUP_TIMEOUT_MS = 20 * 60_000;
/** Wall time of each of its build, test and lint commands. */
export const CHECK_TIMEOUT_MS = 30 * 60_000;

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  return out;
}

export async function runCheck(
  sandbox: Sandbox,
  name: string,
  command: string,
  opts: { timeoutMs: number; secrets: string[]; signal?: AbortSignal },
): Promise<CheckResult> {
  const res = await sandbox.exec(command, {
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: 256 * 1024,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const output = `${res.stdout}${res.stderr ? `\n${res.stderr}` : ''}`.trim();
  return {
    name,
    command,
    exitCode: res.exitCode,
    ok: res.exitCode === 0 && !res.killed,
    durationMs: Math.round(res.durationMs),
    ...(res.killed ? { killed: res.killed } : {}),
    outputTail: scrub(output.length > TAIL_CHARS ? `…${output.slice(-TAIL_CHARS)}` : output, opts.secrets),
  };
}

/** The repo's setup command, in the task's sandbox. */
export function runSetup(
  sandbox: Sandbox,
  command: string,
  opts: { secrets: string[]; signal?: AbortSignal },
): Promise<CheckResult> {
  return runCheck(sandbox, 'setup', command, { timeoutMs: SETUP_TIMEOUT_MS, ...opts });
}

/** Why a task ends SETUP_FAILED: the command, how it ended, the end of its output. */
export function setupFailure(setup: CheckResult, where?: string): string {
  return `The setup command \`${setup.command}\` failed${where ? ` in the ${where} workspace` : ''} (exit ${setup.exitCode ?? setup.killed}):\n${setup.outputTail.slice(-1500)}`;
}

/** Runs the repo's build, test and lint commands that are configured, in that order. */
export async function runRepoChecks(
  sandbox: Sandbox,
  settings: { build_command?: string; test_command?: string; lint_command?: string },
  opts: { secrets: string[]; signal?: AbortSignal },
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, command] of [
    ['build', settings.build_command],
    ['test', settings.test_command],
    ['lint', settings.lint_command],
  ] as const) {
    if (command) out.push(await runCheck(sandbox, name, command, { timeoutMs: CHECK_TIMEOUT_MS, ...opts }));
  }
  return out;
}

export interface GateVerdict {
  mode: ValidationMode;
  passed: boolean;
  /** Checks that fail the gate in this mode. */
  failing: string[];
  checks: (CheckResult & { baselineOk: boolean | null })[];
}

/**
 * The validation gate: `strict` fails on any red check, `regression_only` only on a check that was
 * green at baseline and is red now, `informational` never fails (the results still go in the PR).
 */
export function judge(mode: ValidationMode, baseline: CheckResult[], after: CheckResult[]): GateVerdict {
  const checks = after.map((c) => ({
    ...c,
    baselineOk: baseline.find((b) => b.name === c.name)?.ok ?? null,
  }));
  const failing = checks
    .filter((c) => !c.ok && (mode === 'strict' || (mode === 'regression_only' && c.baselineOk !== false)))
    .map((c) => c.name);
  return {
    mode,
    passed: mode === 'informational' || failing.length === 0,
    failing: mode === 'informational' ? [] : failing,
    checks,
  };
}
