/**
 * Splits streamed output into records (NUL- or newline-separated) without keeping it: each record
 * is handed to `onRecord` as it completes, and a record longer than `maxRecordBytes` is cut there
 * (the rest dropped), so one gigantic line from untrusted data costs no more memory than that.
 */
export function recordScanner(
  separator: string,
  onRecord: (record: string) => void,
  maxRecordBytes = 64 * 1024,
): { push(chunk: Buffer): void; end(): void } {
  const sep = separator.charCodeAt(0);
  let parts: Buffer[] = [];
  let held = 0;
  const flush = () => {
    onRecord(Buffer.concat(parts).toString('utf8'));
    parts = [];
    held = 0;
  };
  return {
    push(chunk) {
      let start = 0;
      for (let i = chunk.indexOf(sep); i !== -1; i = chunk.indexOf(sep, start)) {
        const piece = chunk.subarray(start, i);
        if (held < maxRecordBytes) parts.push(piece.subarray(0, maxRecordBytes - held));
        flush();
        start = i + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length && held < maxRecordBytes) {
        const kept = rest.subarray(0, maxRecordBytes - held);
        parts.push(Buffer.from(kept));
        held += kept.length;
      }
    },
    end() {
      if (held > 0 || parts.length > 0) flush();
    },
  };
}
