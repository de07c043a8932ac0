/** Options of {@link createToolOutputTail}. */
export interface ToolOutputTailOptions {
  /** At most one report per this many milliseconds. */
  intervalMs: number;
  /** Characters of output a report carries, at most. */
  maxChars: number;
  /** Lines a report carries, at most. */
  maxLines: number;
  redact: (text: string) => string;
  now: () => number;
  report: (tail: { tail: string; bytes: number; elapsedMs: number }) => Promise<void>;
}

/** Collects a running tool's output and reports its tail now and then. */
export interface ToolOutputTail {
  push(text: string): void;
  /** Stops reporting; resolves once every report made has been delivered (or rejects with its error). */
  close(): Promise<void>;
}

/**
 * Throttled tail of a running command's output: nothing during its first `intervalMs`, then at
 * most one report per `intervalMs` (output arriving in between is reported when the interval
 * ends), nothing once closed. A report is the last `maxLines` lines within `maxChars`, redacted over a
 * window twice that size so a secret cut by the window's edge is still recognised whole.
 */
export function createToolOutputTail(options: ToolOutputTailOptions): ToolOutputTail {
  const started = options.now();
  const keep = options.maxChars * 2;
  let window = '';
  let bytes = 0;
  // A command that ends within the first interval reports nothing: its result says it all.
  let lastReport = started;
  let dirty = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let delivered: Promise<void> = Promise.resolve();

  const flush = () => {
    timer = undefined;
    if (closed || !dirty) return;
    dirty = false;
    lastReport = options.now();
    const redacted = options.redact(window);
    const lines = redacted.slice(-options.maxChars).split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const tail = lines.slice(-options.maxLines).join('\n');
    const report = { tail, bytes, elapsedMs: Math.max(0, lastReport - started) };
    delivered = delivered.then(() => options.report(report));
    // Kept for close(): a failed report surfaces there, not as an unhandled rejection.
    delivered.catch(() => {});
  };

  return {
    push(text) {
      if (closed || text === '') return;
      bytes += Buffer.byteLength(text);
      window = (window + text).slice(-keep);
      dirty = true;
      const wait = lastReport + options.intervalMs - options.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await delivered;
    },
  };
}
