import { describe, expect, it } from 'vitest';
import { barChart } from './bar-chart.ts';
import { stackedColumns } from './stacked-columns.ts';

const usd = (v: number) => `$${v.toFixed(2)}`;

describe('charts drawn on the server', () => {
  it('stacks each column to scale, escapes names, and repeats every figure in a table', async () => {
    const out = String(
      await stackedColumns({
        id: 'c',
        title: 'Cost <by> repo',
        columns: ['2026-11', '2026-12'],
        series: [
          { key: '<img src=x onerror=alert(1)>', values: [1, 2] },
          { key: 'b', values: [1, 0] },
        ],
        format: usd,
      }),
    );
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).not.toMatch(/\sstyle=/);
    // Both columns total 2: the tallest scale; the first series of the first month is half of it.
    const heights = [...out.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([103, 103, 206]);
    expect(out).toContain('<tr class="total"><th>Total</th><td>$2.00</td><td>$2.00</td></tr>');
  });

  it('says there is nothing to draw instead of an empty drawing', async () => {
    const out = String(
      await stackedColumns({ id: 'e', title: 'Cost', columns: ['2026-12'], series: [], format: usd }),
    );
    expect(out).not.toContain('<svg');
    expect(out).toContain('No spend in this period.');
    expect(
      String(await barChart({ id: 'b', title: 'Rate', bars: [], headings: ['Repo', 'Rate'] })),
    ).toContain('No data yet.');
  });

  it('draws bars against their maximum and clips long labels only in the drawing', async () => {
    const long = 'a-very-long-organisation-name/and-a-long-repo';
    const out = String(
      await barChart({
        id: 'r',
        title: 'Rate',
        max: 1,
        headings: ['Repo', 'Rate'],
        bars: [
          { label: long, value: 0.5, text: '50%' },
          { label: 'b', value: 2, text: '200%' },
        ],
      }),
    );
    const widths = [...out.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([180, 360]);
    expect(out).toContain('a-very-long-organisation-na…');
    expect(out).toContain(`<td>${long}</td>`);
  });
});
