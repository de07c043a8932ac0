/**
 * Git's pkt-line framing (gitprotocol-common): four hex digits of length, then the payload; `0000`
 * flush, `0001` delimiter, `0002` response end.
 */
export type Packet =
  | { kind: 'data'; text: string }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'response-end' };

/** Largest pkt-line git sends (LARGE_PACKET_MAX). */
const MAX_PACKET = 65520;

/** One data packet holding `text`. */
export function pkt(text: string): string {
  const len = Buffer.byteLength(text) + 4;
  if (len > MAX_PACKET) throw new Error(`a pkt-line of ${len} bytes is over git's limit`);
  return len.toString(16).padStart(4, '0') + text;
}

export const FLUSH = '0000';
export const DELIM = '0001';

/**
 * The packets of `bytes`, in order, each data payload without its trailing newline. Stops at the
 * first malformed length (what follows is not pkt-lines) and says so with `rest`, the byte offset
 * where parsing stopped; a cut last packet is left out the same way.
 */
export function parsePackets(bytes: Buffer, from = 0): { packets: Packet[]; rest: number } {
  const packets: Packet[] = [];
  let at = from;
  while (at + 4 <= bytes.length) {
    const head = bytes.subarray(at, at + 4).toString('latin1');
    if (!/^[0-9a-f]{4}$/.test(head)) break;
    const len = Number.parseInt(head, 16);
    if (len === 0) packets.push({ kind: 'flush' });
    else if (len === 1) packets.push({ kind: 'delim' });
    else if (len === 2) packets.push({ kind: 'response-end' });
    else if (len < 4 || len > MAX_PACKET) break;
    else {
      if (at + len > bytes.length) break;
      const text = bytes.subarray(at + 4, at + len).toString('utf8');
      packets.push({ kind: 'data', text: text.endsWith('\n') ? text.slice(0, -1) : text });
      at += len;
      continue;
    }
    at += 4;
  }
  return { packets, rest: at };
}
