import type { AgentTaskEventType, RepoSettings, TaskEventData, TaskFailureCode } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import type { TaskRow } from '../store/task-row.ts';

export interface AgentUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  turns: number;
  /**
   * Whether `costUsd` comes from a price (a table entry, or 0 for a free provider); false: the model
   * has no price and `costUsd` is 0 for its tokens. Absent: the runtime does not say.
   */
  priced?: boolean;
}

export interface AgentRunInput {
  task: TaskRow;
  /** The hydrated prompt (task, issue or PR, repo instructions), outside text fenced as untrusted. */
  prompt: string;
  /** The task's sandbox, around its workspace: a clone on the task's branch. */
  sandbox: Sandbox;
  /** The settings the task runs with (repo + operator, merged). */
  settings: RepoSettings;
  /** Aborted when the task is cancelled or its time runs out: stop at once. */
  signal: AbortSignal;
  /**
   * Aborted when this process starts a graceful stop: end the run `interrupted` at the next turn
   * boundary, with what `run` needs to resume saved. A running command may finish, until `interrupt`.
   */
  drain?: AbortSignal;
  /** The stop's deadline: abandon the turn in flight at once and end `interrupted`; it is redone on resume. */
  interrupt?: AbortSignal;
  /** Appends one of the agent's events (`agent.*`, typed by the contract) to the task's log. */
  emit<T extends AgentTaskEventType>(type: T, data: TaskEventData<T>): Promise<void>;
  /** Unread nudges from the task's owner, oldest first; each is returned once. */
  readNudges(): Promise<string[]>;
  /** Running totals (not deltas), so a re-run after a crash cannot double count. */
  reportUsage(usage: AgentUsage): Promise<void>;
  /**
   * A planning run (the plan gate, docs/approvals.md): the agent works read-only (it reads, lists
   * and searches files; it has no write, edit or shell tool) and its final answer is its plan.
   * Rounds are separate conversations: a new round starts over (its prompt carries the earlier
   * plans and the reasons they were denied); the task's usage goes on counting across them. A
   * planning run resumes its own round only. Absent: the working run, which edits and commits.
   */
  plan?: { round: number };
  /**
   * Asked before each tool call of a working run runs (the tool-call gate): `run`, `deny` (the
   * agent reads the message as the call's error and goes on) or `wait`: the run ends
   * `awaiting_approval` with what it needs to resume saved, and the next `run` asks again about
   * that same call (same `toolCallId`) before it runs.
   */
  gateToolCall?(call: ToolCallToGate): Promise<ToolCallVerdict>;
}

/** A tool call about to run, as the tool-call gate sees it. */
export interface ToolCallToGate {
  /** Stable across a resume: the approval request's key. */
  toolCallId: string;
  toolName: string;
  /** The arguments as the agent sent them. */
  input: unknown;
  /** The arguments as JSON with the platform's secrets redacted: what a person may be shown. */
  argsText: string;
}

/** See {@link AgentRunInput.gateToolCall}. */
export type ToolCallVerdict = { action: 'run' } | { action: 'deny'; message: string } | { action: 'wait' };

export type AgentOutcome =
  | 'completed'
  | 'max_turns'
  | 'budget_exceeded'
  | 'stuck'
  | 'cancelled'
  | 'timed_out'
  | 'failed'
  /** The process stopped (a drain): the run is not over; a later `run` resumes it. */
  | 'interrupted'
  /** A tool call waits on a person ({@link AgentRunInput.gateToolCall}): a later `run` resumes at it. */
  | 'awaiting_approval';

export interface AgentRunResult {
  outcome: AgentOutcome;
  /** The commit the agent's work ended at, when it made any. */
  commit?: string;
  /** The agent's own summary of what it did, for the PR body; a planning run's plan. */
  summary: string;
  usage: AgentUsage;
  error?: { code: TaskFailureCode; message: string };
}

export type AgentPreflight = { ok: true } | { ok: false; code: TaskFailureCode; message: string };

/** The outcome codes of a run that ended without keeping work. */
export type AgentFailureCode = TaskFailureCode;

/**
 * Runs the agentic step of a task: provisions the sandbox and drives a harness in it.
 *
 * Invariants:
 * - `run` is resumable: after a crash it is called again for the same task and continues from what
 *   it stored (transcript, workspace) instead of starting over.
 * - Limits end a run with an outcome, not an exception, and keep the work done so far.
 * - It reports; the orchestrator interprets (pushes, opens PRs, sets the task state).
 */
export interface AgentRuntime {
  readonly kind: string;
  /** Before any workspace or token: is the model configured and reachable in principle. */
  preflight(task: TaskRow, settings: RepoSettings): Promise<AgentPreflight>;
  run(input: AgentRunInput): Promise<AgentRunResult>;
  /**
   * Drops what the runtime stored about earlier attempts of the task (its transcript): the
   * workspace was made anew (the worker that held it is gone and nothing of it was kept), so the
   * next `run` starts over. Runtimes that store nothing need not have it.
   */
  forget?(taskId: string): Promise<void>;
  /**
   * Reopens the task's finished run with one more user message (a review's answer that did not
   * parse, say): the next `run` resumes the transcript from it instead of returning the old result.
   * Idempotent: a run already reopened and not yet resumed is left as it is. False when there is no
   * stored run to reopen (the next `run` starts over). Runtimes that store nothing need not have it.
   */
  reopen?(taskId: string, message: string): Promise<boolean>;
}
