import { StringDecoder } from 'node:string_decoder';

/** How far past the cap a command may keep printing before it is killed (`yes` would never end). */
export const OUTPUT_KILL_FACTOR = 4;

/**
 * Captures stdout and stderr up to a shared byte cap. Bytes past the cap are counted but dropped,
 * so an endless printer costs no memory; {@link OutputBuffer.runaway} says when to kill it.
 */
export class OutputBuffer {
  private readonly chunks = { stdout: [] as string[], stderr: [] as string[] };
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private kept = 0;
  private seen = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a chunk; returns the part that was kept (as text), or `''` when everything was dropped. */
  push(stream: 'stdout' | 'stderr', data: Buffer): string {
    this.seen += data.length;
    const room = Math.max(0, this.maxBytes - this.kept);
    const slice = data.length <= room ? data : data.subarray(0, room);
    this.kept += slice.length;
    if (slice.length === 0) return '';
    const text = this.decoders[stream].write(slice);
    if (text) this.chunks[stream].push(text);
    return text;
  }

  /** True when more bytes arrived than the cap allows. */
  get truncated(): boolean {
    return this.seen > this.maxBytes;
  }

  /** True when the command printed far beyond the cap and should be killed. */
  get runaway(): boolean {
    return this.seen > this.maxBytes * OUTPUT_KILL_FACTOR;
  }

  text(stream: 'stdout' | 'stderr'): string {
    const rest = this.decoders[stream].end();
    if (rest) this.chunks[stream].push(rest);
    return this.chunks[stream].join('');
  }
}
