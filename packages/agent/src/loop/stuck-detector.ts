import type { ToolCallRecord } from '../transcript.ts';

/** Why the loop thinks the agent is stuck. */
export type StuckReason = 'repeated_failure' | 'failure_streak';

/** How many recent calls the detector keeps; enough for both rules. */
const HISTORY = 6;
const REPEATS = 3;
const STREAK_FAILURES = 5;

/** Canonical identity of a call: tool name and arguments with sorted keys. */
export function toolCallKey(tool: string, args: unknown): string {
  return `${tool}:${typeof args === 'string' ? args : stableStringify(args)}`;
}

/** Appends `records` (in call order) and keeps the recent window. */
export function recordToolCalls(history: readonly ToolCallRecord[], records: readonly ToolCallRecord[]) {
  return [...history, ...records].slice(-HISTORY);
}

/**
 * Stuck means: the last three calls are the same failing call (same tool and arguments, each an
 * error, nothing else in between: a test command that fails between edits is progress, not a
 * loop), or at least five of the last six calls failed.
 */
export function detectStuck(history: readonly ToolCallRecord[]): StuckReason | undefined {
  const last = history.slice(-REPEATS);
  if (last.length === REPEATS && last.every((r) => r.isError && r.key === last[0]?.key))
    return 'repeated_failure';
  const failures = history.slice(-HISTORY).filter((r) => r.isError).length;
  if (failures >= STREAK_FAILURES) return 'failure_streak';
  return undefined;
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
