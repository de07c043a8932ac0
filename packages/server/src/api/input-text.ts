/**
 * What text the API accepts before anything reaches the database. PostgreSQL refuses the NUL
 * character in `text` and `jsonb`, and an unpaired UTF-16 surrogate has no UTF-8 form (`jsonb`
 * refuses its escape; a `text` column would silently store U+FFFD instead). Both are refused at the
 * edge with the field's name, so no route has to remember them.
 */

/** Why `s` cannot be stored as text, or undefined when it can. */
export function badText(s: string): string | undefined {
  // Both native scans; the loop below only runs to name the culprit.
  if (!s.includes('\u0000') && (s as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'must not contain a NUL character (U+0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `must not contain an unpaired surrogate (U+${c.toString(16).toUpperCase()})`;
    }
    if (c >= 0xdc00 && c <= 0xdfff)
      return `must not contain an unpaired surrogate (U+${c.toString(16).toUpperCase()})`;
  }
  return undefined;
}

/** A name that is safe to print back: control characters and surrogates shown as escapes. */
export function printable(name: string): string {
  let shown = '';
  for (let i = 0; i < name.length && shown.length < 100; i++) {
    const c = name.charCodeAt(i);
    shown +=
      c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)
        ? `\\u${c.toString(16).padStart(4, '0')}`
        : name[i];
  }
  return shown.length >= 100 ? `${shown.slice(0, 100)}...` : shown;
}

/**
 * The first key or string anywhere in a parsed JSON value that cannot be stored, with its path
 * (`settings.test_command`, `network_allowlist.2`, the same form as validation errors). Walks with
 * an explicit stack: a body of deeply nested arrays must not overflow the call stack.
 */
export function findBadText(value: unknown): { field: string; message: string } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string };
    if (typeof v === 'string') {
      const why = badText(v);
      if (why) return { field: path || '(body)', message: why };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: join(path, String(i)) });
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v).reverse()) {
        const why = badText(key);
        if (why) return { field: join(path, printable(key)), message: `its name ${why}` };
        stack.push({ value: (v as Record<string, unknown>)[key], path: join(path, key) });
      }
    }
  }
  return undefined;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly: undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `decodeURIComponent` that says undefined instead of throwing on a malformed escape. */
export function decodePercent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
