import type { ModelMessage } from 'ai';
import { truncateMiddle } from '../tools/truncate.ts';
import { messagesTokens } from './context-window.ts';
import { recentTurnsStart } from './prune.ts';

/** The system prompt of the compaction call (the agent's own would invite tool calls). */
export const COMPACTION_SYSTEM =
  'You summarise the progress of an autonomous coding agent so that it can continue its task with a fresh, short context. You never call tools.';

/** Marks the summary message, so a later compaction finds (and summarises) the previous one. */
export const SUMMARY_PREFIX = '[ABCA] The conversation so far was compacted to fit the context window.';

/** Cap on one tool result or text in the rendered history. */
const ITEM_CHARS = 4000;

/** The request of the compaction call: the task, the history as text, what the summary must hold. */
export function compactionRequest(task: string, history: string): string {
  return [
    'Here is a coding task and the history of an agent working on it (its messages, tool calls and tool results, oldest first).',
    '<task>',
    task,
    '</task>',
    '<history>',
    history,
    '</history>',
    'Write a summary the agent will continue from instead of this history. Include: what has been done',
    '(files created or changed and why, commands run and what they showed, commits made), the current state',
    '(what passes, what fails, with the exact error if any), decisions and facts learned about the repository',
    '(paths, names, conventions, commands that work), and what is left to do, in order. Be specific and concise.',
    'Reply with the summary only.',
  ].join('\n');
}

/** The message that stands for the compacted history. */
export function summaryMessage(summary: string): ModelMessage {
  return {
    role: 'user',
    content: `${SUMMARY_PREFIX} Summary of the work so far:\n<summary>\n${summary}\n</summary>\nContinue the task from here. Tool outputs from before are gone; read files again when you need them.`,
  };
}

/**
 * Renders messages as plain text for the compaction call (no tool blocks, so the call needs no
 * tool definitions), each item cut to a few thousand characters, the oldest dropped first when the
 * whole is over `budgetChars`.
 */
export function renderHistory(messages: readonly ModelMessage[], budgetChars: number): string {
  const items: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') {
      items.push(`${message.role.toUpperCase()}: ${cut(message.content)}`);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') items.push(`${message.role.toUpperCase()}: ${cut(part.text)}`);
      else if (part.type === 'tool-call')
        items.push(`TOOL CALL ${part.toolName}: ${cut(JSON.stringify(part.input ?? {}))}`);
      else if (part.type === 'tool-result') {
        const output = part.output as { type?: string; value?: unknown };
        const value = typeof output.value === 'string' ? output.value : JSON.stringify(output.value ?? '');
        const failed = output.type === 'error-text' ? ' (failed)' : '';
        items.push(`TOOL RESULT ${part.toolName}${failed}: ${cut(value)}`);
      }
    }
  }
  const kept: string[] = [];
  let total = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as string;
    if (total + item.length + 2 > budgetChars) {
      kept.unshift(`[${i + 1} earlier items omitted]`);
      break;
    }
    kept.unshift(item);
    total += item.length + 2;
  }
  return kept.join('\n\n');
}

function cut(text: string): string {
  return truncateMiddle(text, ITEM_CHARS, 'cut for the summary').text;
}

/** How the history splits for compaction: the task, what is summarised, what is kept verbatim. */
export interface CompactionPlan {
  /** The original task prompt (the first message). */
  task: ModelMessage;
  /** Summarised: everything between the task and the kept turns (a previous summary included). */
  older: ModelMessage[];
  /** The most recent turns, kept as they are (plus messages after the last turn, e.g. a nudge). */
  recent: ModelMessage[];
}

/**
 * Splits `messages` keeping at most `keepTurns` recent turns, fewer when they would take more than
 * `recentBudgetTokens`. `undefined` when there is nothing to summarise.
 */
export function planCompaction(
  messages: readonly ModelMessage[],
  keepTurns: number,
  recentBudgetTokens: number,
): CompactionPlan | undefined {
  const [task, ...rest] = messages;
  if (!task) return undefined;
  // Messages after the last turn (a wrap-up prompt, a nudge) always stay.
  let start = rest.length;
  while (start > 0 && rest[start - 1]?.role === 'user') start--;
  for (let turns = keepTurns; turns > 0; turns--) {
    const candidate = recentTurnsStart(rest, turns);
    if (candidate > 0 && candidate < start && messagesTokens(rest.slice(candidate)) <= recentBudgetTokens) {
      start = candidate;
      break;
    }
  }
  const older = rest.slice(0, start);
  if (older.length === 0) return undefined;
  return { task, older, recent: rest.slice(start) };
}

/** The text of the task prompt. */
export function taskText(task: ModelMessage): string {
  if (typeof task.content === 'string') return task.content;
  return task.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}
