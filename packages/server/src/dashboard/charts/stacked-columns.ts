import { html } from 'hono/html';
import type { Html } from '../layout.ts';
import { clip } from './bar-chart.ts';

/** One stacked series: a name and a value per column. */
export interface Series {
  key: string;
  values: number[];
}

const WIDTH = 640;
const HEIGHT = 240;
const LEFT = 60;
const BOTTOM = 24;
const TOP = 10;
/** Colours cycle through the classes `c0`..`c5` of app.css. */
const COLOURS = 6;

/**
 * Columns over time (months), each a stack of series (repos, users), as an inline SVG drawn on the
 * server: no script and no inline style (the CSP allows neither). The legend and a table of every
 * figure follow it, so nothing is known only from a colour or a length.
 */
export function stackedColumns(o: {
  id: string;
  title: string;
  columns: string[];
  series: Series[];
  format: (v: number) => string;
}): Html {
  const totals = o.columns.map((_, i) => o.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / Math.max(1, o.columns.length);
  const colW = Math.min(60, slot * 0.6);
  const h = (v: number) => (max > 0 ? (v / max) * plotH : 0);
  const summary = o.columns.map((col, i) => `${col} ${o.format(totals[i] ?? 0)}`).join(', ');
  return html`<figure class="chart" id="${o.id}">
<figcaption>${o.title}</figcaption>
${
  max > 0
    ? html`<svg class="columns" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="${o.id}-t">
<title id="${o.id}-t">${o.title}: ${summary}</title>
<line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH}" y2="${TOP + plotH}" class="axis"></line>
<text x="${LEFT - 6}" y="${TOP + 10}" text-anchor="end" class="label">${o.format(max)}</text>
<text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end" class="label">${o.format(0)}</text>
${o.columns.map((col, i) => {
  const x = LEFT + i * slot + (slot - colW) / 2;
  let y = TOP + plotH;
  const parts = o.series.map((s, k) => {
    const v = s.values[i] ?? 0;
    const ph = h(v);
    y -= ph;
    return v > 0
      ? html`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${colW.toFixed(1)}" height="${ph.toFixed(1)}" class="c${k % COLOURS}"><title>${s.key} ${col}: ${o.format(v)}</title></rect>`
      : '';
  });
  return html`<g>${parts}<text x="${(x + colW / 2).toFixed(1)}" y="${HEIGHT - 6}" text-anchor="middle" class="label">${col}</text></g>`;
})}
</svg>
<ul class="legend">${o.series.map((s, k) => html`<li><span class="swatch c${k % COLOURS}"></span>${clip(s.key, 40)}</li>`)}</ul>`
    : html`<p class="hint">No spend in this period.</p>`
}
<table class="chart-data">
<thead><tr><th>${''}</th>${o.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
<tbody>
${o.series.map((s) => html`<tr><th>${s.key}</th>${o.columns.map((_, i) => html`<td>${o.format(s.values[i] ?? 0)}</td>`)}</tr>`)}
<tr class="total"><th>Total</th>${totals.map((t) => html`<td>${o.format(t)}</td>`)}</tr>
</tbody>
</table>
</figure>`;
}
