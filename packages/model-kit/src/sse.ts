/** One server-sent event: Anthropic names each event, OpenAI sends bare `data:` lines. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** Encodes one event in the `text/event-stream` format. */
export function encodeSse({ event, data }: SseEvent): string {
  return (event === undefined ? '' : `event: ${event}\n`) + `data: ${data}\n\n`;
}

/** Splits text into word-sized pieces (each keeps its trailing space), as models stream it. */
export function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const ARGUMENT_PIECE = 16;

/**
 * Splits tool-call argument text into fixed-size pieces, so clients must join several deltas. Works
 * on code points, so a piece never ends inside a surrogate pair.
 */
export function argumentPieces(text: string): string[] {
  const points = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += ARGUMENT_PIECE) {
    pieces.push(points.slice(i, i + ARGUMENT_PIECE).join(''));
  }
  return pieces;
}
