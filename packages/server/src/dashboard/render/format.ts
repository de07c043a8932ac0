/** Small formatters of the dashboard's figures (plain text: the templates escape them). */

/** `$0.0123`, `$1.50`; "unpriced" when the model has no price. */
export function usd(v: number, priced: boolean | null = true): string {
  if (priced === false) return 'unpriced';
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

/** `12,345 in / 678 out`. */
export function tokens(input: number, output: number): string {
  return `${input.toLocaleString('en-US')} in / ${output.toLocaleString('en-US')} out`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `2026-05-01 12:03:04Z` (UTC, so every reader sees the same). */
export function when(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** At most `n` characters, with an ellipsis when cut. */
export function clip(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** A link target from outside text, only when it is an http(s) URL (never `javascript:`). */
export function safeHref(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
