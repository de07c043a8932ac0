import type { ModelMessage, ToolModelMessage } from 'ai';
import { savedOutputNote, savedOutputPath } from '../tools/saved-output.ts';

/** Tool outputs shorter than this stay: pruning them would save little and lose much. */
export const PRUNE_MIN_CHARS = 400;
/** The most recent turns keep their tool outputs intact. */
export const PRUNE_KEEP_TURNS = 2;

const PLACEHOLDER_PREFIX = '[ABCA] Output pruned to save context';

/** Where pruning keeps what it removes (an `OutputStore` writing to the sandbox). */
export interface PruneStore {
  save(key: string, text: string): Promise<string | undefined>;
}

/** Result of {@link pruneToolOutputs}: a new history (the input is not changed). */
export interface Pruned {
  messages: ModelMessage[];
  /** Tool outputs replaced by a placeholder. */
  outputs: number;
}

/**
 * Index of the first message of the `keepTurns` most recent turns (a turn starts at an assistant
 * message), or `messages.length` when `keepTurns` is 0: everything before it may be pruned.
 */
export function recentTurnsStart(messages: readonly ModelMessage[], keepTurns: number): number {
  let turns = 0;
  let start = messages.length;
  for (let i = messages.length - 1; i >= 0 && turns < keepTurns; i--) {
    if (messages[i]?.role === 'assistant' && messages[i - 1]?.role !== 'assistant') {
      turns += 1;
      start = i;
    }
  }
  return start;
}

/**
 * Replaces the long tool outputs of older turns by a short placeholder saying how long it was and
 * where the full text is now (saved in the sandbox, readable with `read_file`), keeping the
 * `keepTurns` most recent turns intact. The tool-call/tool-result pairing is kept, so the history
 * stays valid for every provider.
 */
export async function pruneToolOutputs(
  messages: readonly ModelMessage[],
  store: PruneStore,
  keepTurns = PRUNE_KEEP_TURNS,
): Promise<Pruned> {
  const keepFrom = recentTurnsStart(messages, keepTurns);
  const result: ModelMessage[] = [];
  let outputs = 0;
  for (const [index, message] of messages.entries()) {
    if (index >= keepFrom || message.role !== 'tool') {
      result.push(message);
      continue;
    }
    const content: ToolModelMessage['content'] = [];
    for (const part of message.content) {
      const text = part.type === 'tool-result' ? textOf(part.output) : undefined;
      if (part.type !== 'tool-result' || text === undefined || text.length < PRUNE_MIN_CHARS) {
        content.push(part);
        continue;
      }
      const path = savedOutputPath(text) ?? (await store.save(part.toolCallId, text));
      const where = path
        ? `${savedOutputNote(path)}.`
        : 'it could not be saved: run the tool again if you need it.';
      const value = `${PLACEHOLDER_PREFIX} (${text.length} characters); ${where}`;
      const type = part.output.type === 'error-text' ? ('error-text' as const) : ('text' as const);
      content.push({ ...part, output: { type, value } });
      outputs += 1;
    }
    result.push({ ...message, content });
  }
  return { messages: result, outputs };
}

function textOf(output: unknown): string | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const { type, value } = output as { type?: unknown; value?: unknown };
  if ((type !== 'text' && type !== 'error-text') || typeof value !== 'string') return undefined;
  return value.startsWith(PLACEHOLDER_PREFIX) ? undefined : value;
}
