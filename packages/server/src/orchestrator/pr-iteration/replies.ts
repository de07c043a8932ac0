import { z } from 'zod';
import type { ThreadRef } from './iteration-context.ts';

/** The longest reply posted for one thread; the rest is cut. */
export const REPLY_MAX_CHARS = 1_000;
/** The agent's final message is read up to here (it is bounded before, this is a second bound). */
const SUMMARY_MAX_CHARS = 50_000;

/** One reply the agent gave: the thread's short id and what changed. Untrusted text. */
export const ThreadReply = z.object({
  ref: z.string().regex(/^T[1-9]\d{0,3}$/),
  text: z
    .string()
    .min(1)
    .max(REPLY_MAX_CHARS + 1),
});
export type ThreadReply = z.infer<typeof ThreadReply>;

const LINE = /^\s*(?:[-*]\s+)?\**\[?(T[1-9]\d{0,3})\]?\**\s*:\s*(\S.*)$/;

/**
 * The replies in the agent's final message: lines `T1: <what changed>`, one per thread. Only the
 * threads the prompt named count (another id is ignored), the first line for a thread wins, and
 * each reply is cut to {@link REPLY_MAX_CHARS}.
 */
export function parseThreadReplies(
  summary: string | undefined,
  threads: readonly ThreadRef[],
): ThreadReply[] {
  if (!summary) return [];
  const known = new Set(threads.map((t) => t.ref));
  const seen = new Set<string>();
  const out: ThreadReply[] = [];
  for (const line of summary.slice(0, SUMMARY_MAX_CHARS).split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, ref = '', raw = ''] = m;
    if (!known.has(ref) || seen.has(ref)) continue;
    const trimmed = raw.trim();
    const text = trimmed.length > REPLY_MAX_CHARS ? `${trimmed.slice(0, REPLY_MAX_CHARS - 1)}…` : trimmed;
    const parsed = ThreadReply.safeParse({ ref, text });
    if (!parsed.success) continue;
    seen.add(ref);
    out.push(parsed.data);
  }
  return out;
}
