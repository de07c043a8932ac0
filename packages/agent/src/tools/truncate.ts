/** Result of {@link truncateMiddle}. */
export interface Truncated {
  text: string;
  truncated: boolean;
}

/**
 * Keeps the head and the tail of `text` (a third and two thirds of `maxChars`: a failing command
 * usually says why at the end) with a note in between telling the model how to see less at once,
 * and, when the full text was saved (`savedNote`, see `savedOutputNote`), where it is.
 */
export function truncateMiddle(
  text: string,
  maxChars: number,
  hint = 'narrow the request',
  savedNote?: string,
): Truncated {
  if (text.length <= maxChars) return { text, truncated: false };
  const head = Math.floor(maxChars / 3);
  const tail = maxChars - head;
  const omitted = text.length - head - tail;
  const where = savedNote ? `; ${savedNote}; or ${hint}` : `; ${hint}`;
  const note = `\n\n[... ${omitted} characters omitted of ${text.length}${where} ...]\n\n`;
  return { text: text.slice(0, head) + note + text.slice(text.length - tail), truncated: true };
}

/** Cuts `text` to `maxChars` with a trailing marker; used for event previews. */
export function preview(text: string, maxChars: number): string {
  return text.length <= maxChars
    ? text
    : `${text.slice(0, maxChars)}… [${text.length - maxChars} more characters]`;
}
