/**
 * Keeps one event's data under `maxBytes` of JSON: events carry text from sandboxes, repos and
 * models (command output, tool results, messages), and the event log must not grow with whatever
 * an agent prints. Long strings are cut (with a note of how much), longest first in effect, by
 * halving a per-string cap until the whole fits; if even that fails the data is replaced by a
 * note listing its keys.
 */
export function boundEventData(data: Record<string, unknown>, maxBytes: number): Record<string, unknown> {
  if (byteLength(data) <= maxBytes) return data;
  for (let cap = Math.floor(maxBytes / 2); cap >= 64; cap = Math.floor(cap / 2)) {
    const cut = cutStrings(data, cap, 0) as Record<string, unknown>;
    if (byteLength(cut) <= maxBytes) return cut;
  }
  return {
    truncated: true,
    note: `event data over ${maxBytes} bytes was dropped`,
    keys: Object.keys(data).slice(0, 50),
  };
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function cutStrings(value: unknown, cap: number, depth: number): unknown {
  if (typeof value === 'string') {
    return value.length <= cap
      ? value
      : `${value.slice(0, cap)}… [${value.length - cap} more characters cut]`;
  }
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => cutStrings(v, cap, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutStrings(v, cap, depth + 1)]));
}
