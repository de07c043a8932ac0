import { ReviewResult } from '@abca/contracts';

/** The longest answer looked into: a review is far shorter; beyond this it is not a review. */
export const MAX_ANSWER_CHARS = 300_000;
/** At most this many candidate JSON texts are tried in one answer. */
const MAX_CANDIDATES = 20;
const MAX_ERROR_CHARS = 1_000;

export type ReviewOutput = { ok: true; review: ReviewResult } | { ok: false; error: string };

/**
 * Finds the agent's review in its final answer and validates it with the `ReviewResult` schema:
 * a ```json (or bare ```) fenced block, the whole answer, or a JSON object inside prose — the last
 * one that is a valid review wins. The answer is untrusted text: bounded, never evaluated.
 */
export function parseReviewOutput(answer: string): ReviewOutput {
  if (answer.length > MAX_ANSWER_CHARS) {
    return {
      ok: false,
      error: `the answer is ${answer.length} characters long, over the ${MAX_ANSWER_CHARS} a review may take`,
    };
  }
  if (answer.trim() === '') return { ok: false, error: 'the answer is empty: no JSON review in it' };
  let schemaError: string | undefined;
  let syntaxError: string | undefined;
  for (const text of candidates(answer)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      syntaxError ??= `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
      continue;
    }
    const parsed = ReviewResult.safeParse(value);
    if (parsed.success) return { ok: true, review: parsed.data };
    schemaError ??= `the JSON does not match the review format: ${parsed.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.join('.') || '(the object)'}: ${i.message}`)
      .join('; ')}`;
  }
  const error = schemaError ?? syntaxError ?? 'no JSON object found in the answer';
  return { ok: false, error: error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}…` : error };
}

/** The texts that may hold the review, the likeliest first (the answer's last word counts most). */
function candidates(answer: string): string[] {
  const out: string[] = [];
  const fences = [...answer.matchAll(/```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*```/g)];
  for (const m of fences.reverse()) out.push((m[1] ?? '').trim());
  out.push(answer.trim());
  for (const o of topLevelObjects(answer).reverse()) out.push(o);
  // An object that opens with a review's key, even after prose with an unbalanced brace.
  const starts = [...answer.matchAll(/\{\s*"(?:summary|verdict|comments)"/g)].map((m) => m.index ?? 0);
  for (const at of starts.reverse().slice(0, MAX_CANDIDATES)) {
    const first = topLevelObjects(answer.slice(at), 1)[0];
    if (first) out.push(first);
  }
  return [...new Set(out)].filter((t) => t.startsWith('{')).slice(0, MAX_CANDIDATES);
}

/**
 * The balanced `{...}` spans of the text outside JSON strings, outermost only, in one pass
 * (linear in the text's length, however it nests).
 */
export function topLevelObjects(text: string, max = Number.POSITIVE_INFINITY): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (depth > 0 && inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (ch === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) found.push(text.slice(start, i + 1));
      if (found.length >= max) break;
    }
  }
  return found;
}
