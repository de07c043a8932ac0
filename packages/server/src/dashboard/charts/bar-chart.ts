import { html } from 'hono/html';
import type { Html } from '../layout.ts';

export interface Bar {
  label: string;
  /** The bar's length, from 0 to `max`. */
  value: number;
  /** What the bar says in words (`67%`, `$1.20`). */
  text: string;
}

const WIDTH = 640;
const ROW = 26;
const LABEL_W = 200;
const TEXT_W = 80;

/**
 * Horizontal bars as an inline SVG drawn on the server (no script, no inline style: the CSP allows
 * neither; colours come from app.css classes), with the same numbers as a table beside it for
 * screen readers and for anyone who wants the figures. Labels are outside text (repo names): the
 * `html` template escapes them.
 */
export function barChart(o: {
  id: string;
  title: string;
  bars: Bar[];
  max?: number;
  /** The table's column headings: what the labels are, what the values are. */
  headings: [string, string];
}): Html {
  const max = o.max ?? Math.max(0, ...o.bars.map((b) => b.value));
  const span = WIDTH - LABEL_W - TEXT_W;
  const height = Math.max(1, o.bars.length) * ROW + 8;
  const len = (v: number) => (max > 0 ? Math.max(0, Math.min(1, v / max)) * span : 0);
  return html`<figure class="chart" id="${o.id}">
<figcaption>${o.title}</figcaption>
${
  o.bars.length
    ? html`<svg class="bars" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-labelledby="${o.id}-t" preserveAspectRatio="xMinYMin meet">
<title id="${o.id}-t">${o.title}: ${o.bars.map((b) => `${b.label} ${b.text}`).join(', ')}</title>
${o.bars.map((b, i) => {
  const y = i * ROW + 4;
  return html`<g><text x="${LABEL_W - 8}" y="${y + 16}" text-anchor="end" class="label">${clip(b.label)}</text><rect x="${LABEL_W}" y="${y + 3}" width="${len(b.value).toFixed(1)}" height="${ROW - 8}" class="c0"></rect><text x="${LABEL_W + len(b.value) + 6}" y="${y + 16}" class="value">${b.text}</text></g>`;
})}
</svg>`
    : html`<p class="hint">No data yet.</p>`
}
<table class="chart-data">
<thead><tr><th>${o.headings[0]}</th><th>${o.headings[1]}</th></tr></thead>
<tbody>${o.bars.map((b) => html`<tr><td>${b.label}</td><td>${b.text}</td></tr>`)}</tbody>
</table>
</figure>`;
}

/** A long label shortened for the drawing (the table keeps it whole). */
export function clip(s: string, n = 28): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
