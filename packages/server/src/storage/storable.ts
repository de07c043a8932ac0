/**
 * What PostgreSQL will store. Text from sandboxes, repos and models (command output, a binary file
 * read by the agent, a model's JSON) may hold characters it refuses: NUL in any text or jsonb value
 * ("\u0000 cannot be converted to text"), and a lone UTF-16 surrogate in jsonb. Written as they are,
 * they would fail the write — an event, a saved transcript — and with it the task. Each becomes
 * U+FFFD, the replacement character. The API refuses them in what people send (a 400 naming the
 * field); this is for what the platform itself records.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with NUL and lone surrogates replaced by U+FFFD (the same string when there are none). */
export function storableText(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD');
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', '\uFFFD') : wellFormed;
}

/** JSON text for a jsonb column: every string and key made storable. */
export function toJsonb(value: unknown): string {
  return JSON.stringify(storable(value)) ?? 'null';
}

function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(storable);
  // Dates, Buffers and the like serialise themselves (toJSON): left to JSON.stringify.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storable(v)]));
}
