import { z } from 'zod';
import type { ExecResult, Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool } from './define-tool.ts';

/** Options of {@link createBashTool}. */
export interface BashToolOptions {
  sandbox: Sandbox;
  /** Used when the model gives no `timeout_ms` (default 120 000). */
  defaultTimeoutMs?: number;
  /** Upper bound on `timeout_ms` (default 600 000). */
  maxTimeoutMs?: number;
  /** Bytes of output captured by the sandbox (default 1 MB); the model sees at most 30 000 chars. */
  maxOutputBytes?: number;
}

const parameters = z.object({
  command: z.string().min(1).describe('The bash command to run, from the workspace root.'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Kill the command after this many milliseconds (default 120000, at most 600000).'),
});

/** `bash`: runs a command in the sandbox, from the workspace root. A non-zero exit is an error result. */
export function createBashTool(options: BashToolOptions): AgentTool {
  const { sandbox } = options;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
  const maxTimeoutMs = options.maxTimeoutMs ?? 600_000;
  return defineTool({
    name: 'bash',
    description:
      'Run a bash command in the workspace (the repository root is the working directory). ' +
      'Use it to build, run tests and linters, and use git. Each call is a fresh shell: state such as ' +
      '`cd` or variables does not carry over. No network access except allowed package registries.',
    parameters,
    truncationHint: 'pipe the command through head, tail or grep to see less',
    async execute(args, { signal, onOutput }) {
      const timeoutMs = Math.min(args.timeout_ms ?? defaultTimeoutMs, maxTimeoutMs);
      const result = await sandbox.exec(args.command, {
        cwd: sandbox.workspacePath,
        timeoutMs,
        maxOutputBytes: options.maxOutputBytes ?? 1_000_000,
        signal,
        ...(onOutput ? { onOutput: (chunk: { data: string }) => onOutput(chunk.data) } : {}),
      });
      return { output: formatExecResult(result, timeoutMs), isError: result.exitCode !== 0 };
    },
  });
}

/** Renders a command result for the model: stdout, stderr, and how it ended. */
export function formatExecResult(result: ExecResult, timeoutMs: number): string {
  const parts: string[] = [];
  if (result.stdout) parts.push(result.stdout.replace(/\n$/, ''));
  if (result.stderr) parts.push(`[stderr]\n${result.stderr.replace(/\n$/, '')}`);
  if (result.truncated) parts.push('[output cut by the sandbox: too much output]');
  if (result.killed === 'timeout') parts.push(`[killed: timed out after ${timeoutMs} ms]`);
  else if (result.killed) parts.push(`[killed: ${result.killed.replace('_', ' ')}]`);
  parts.push(`[exit code: ${result.exitCode ?? 'none (killed by a signal)'}]`);
  return parts.join('\n');
}
