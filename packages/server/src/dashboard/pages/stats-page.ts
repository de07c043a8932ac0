import type { PrStatsFigures, UsageGroupBy } from '@abca/contracts';
import { html } from 'hono/html';
import { prStatsReport } from '../../api/actions/pr-stats-report.ts';
import { usageReport } from '../../api/actions/usage-report.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { AppError } from '../../ops/errors.ts';
import type { Principal } from '../../store/api-key-store.ts';
import { monthName, monthStart, nextMonthStart } from '../../store/monthly-budgets.ts';
import { barChart } from '../charts/bar-chart.ts';
import { type Series, stackedColumns } from '../charts/stacked-columns.ts';
import { type Html, page } from '../layout.ts';
import type { DashboardRouter } from '../router.ts';
import { orErrorPage } from './error-box.ts';

/** Series drawn one by one; the rest are summed as `other`. */
const TOP_SERIES = 5;

/**
 * `/stats`: the PR loop's figures (merge rate, revision cycles, cost per merged PR) from the same
 * computation as `GET /v1/stats`, and spend by repo and by user a month at a time from the same
 * report as `GET /v1/usage`, as charts drawn on the server with their tables. A member's figures
 * cover their own tasks, an admin's everyone's. `?months=1..24` (default 6).
 */
export function statsPage(router: DashboardRouter, deps: Pick<ApiDeps, 'db'>): void {
  router.get('/stats', (c) =>
    orErrorPage(c, 'stats', async () => {
      const raw = c.req.query('months') ?? '6';
      if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > 24) {
        throw new AppError('VALIDATION_ERROR', 'Invalid months: must be a whole number from 1 to 24.', {
          details: [{ field: 'query.months', message: 'must be 1 to 24' }],
        });
      }
      const months = monthsEnding(new Date(), Number(raw));
      const session = c.get('session');
      const p = session.principal;
      const since = months[0] as Date;
      const [stats, byRepo, byUser] = await Promise.all([
        prStatsReport(deps.db, p, { since }),
        spendOverTime(deps, p, months, 'repo'),
        spendOverTime(deps, p, months, 'user'),
      ]);
      const columns = months.map(monthName);
      return c.html(
        page({
          title: 'Stats',
          session,
          section: 'stats',
          body: html`<h1>Stats</h1>
<p class="hint">${p.role === 'admin' ? 'Every task' : 'Your tasks'}, since ${columns[0]} (${raw} months
· <a href="/stats?months=3">3</a> · <a href="/stats?months=6">6</a> · <a href="/stats?months=12">12</a>).</p>
<h2>Pull requests</h2>
${figures(stats.overall)}
${barChart({
  id: 'merge-rate',
  title: 'Merged at first review, by repo',
  headings: ['Repo', 'Merged at first review'],
  max: 1,
  bars: stats.repos.map((r) => ({
    label: r.repo,
    value: r.first_review_merge_rate ?? 0,
    text: percent(r.first_review_merge_rate),
  })),
})}
${repoTable(stats.repos)}
<h2>Spend</h2>
${stackedColumns({ id: 'cost-repo', title: 'Cost by repo, a month at a time (USD)', columns, series: byRepo, format: usd })}
${stackedColumns({ id: 'cost-user', title: 'Cost by user, a month at a time (USD)', columns, series: byUser, format: usd })}`,
        }),
      );
    }),
  );
}

/** The first instants of the last `n` calendar months (UTC), oldest first, ending with this one. */
export function monthsEnding(now: Date, n: number): Date[] {
  const out: Date[] = [];
  let at = monthStart(now);
  for (let i = 0; i < n; i++) {
    out.unshift(at);
    at = monthStart(new Date(at.getTime() - 1));
  }
  return out;
}

/** Spend per month, one series per repo (or user): the largest few, then `other`. */
async function spendOverTime(
  deps: Pick<ApiDeps, 'db'>,
  p: Principal,
  months: Date[],
  groupBy: UsageGroupBy,
): Promise<Series[]> {
  const reports = await Promise.all(
    months.map((from) => usageReport(deps.db, p, { group_by: groupBy, from, to: nextMonthStart(from) })),
  );
  const totals = new Map<string, number>();
  for (const r of reports) for (const g of r.groups) totals.set(g.key, (totals.get(g.key) ?? 0) + g.cost_usd);
  const ranked = [...totals.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = ranked.slice(0, TOP_SERIES).map(([k]) => k);
  const series: Series[] = top.map((key) => ({
    key,
    values: reports.map((r) => r.groups.find((g) => g.key === key)?.cost_usd ?? 0),
  }));
  if (ranked.length > TOP_SERIES) {
    const shown = new Set(top);
    series.push({
      key: `other (${ranked.length - TOP_SERIES})`,
      values: reports.map((r) =>
        r.groups.filter((g) => !shown.has(g.key)).reduce((s, g) => s + g.cost_usd, 0),
      ),
    });
  }
  return series;
}

function figures(f: PrStatsFigures): Html {
  return html`<dl class="figures">
<div><dt>Pull requests</dt><dd>${f.prs} (${f.open} open, ${f.merged} merged, ${f.closed} closed)</dd></div>
<div><dt>Merged at first review</dt><dd>${percent(f.first_review_merge_rate)}</dd></div>
<div><dt>Merged of ended</dt><dd>${percent(f.merged_share)}</dd></div>
<div><dt>Revision cycles per PR</dt><dd>${f.revision_cycles_per_pr?.toFixed(2) ?? '–'}</dd></div>
<div><dt>Cost per merged PR</dt><dd>${f.cost_per_merged_pr_usd === null ? '–' : usd(f.cost_per_merged_pr_usd)}</dd></div>
<div><dt>Median hours to merge</dt><dd>${f.median_hours_to_merge?.toFixed(1) ?? '–'}</dd></div>
</dl>`;
}

function repoTable(rows: (PrStatsFigures & { repo: string })[]): Html {
  if (!rows.length) return html`<p class="hint">No ABCA pull requests in this period.</p>`;
  return html`<table class="stats">
<thead><tr><th>Repo</th><th>PRs</th><th>Merged</th><th>Merged at first review</th><th>Revision cycles per PR</th><th>Cost per merged PR</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><td>${r.repo}</td><td>${r.prs}</td><td>${r.merged}</td><td>${percent(r.first_review_merge_rate)}</td><td>${r.revision_cycles_per_pr?.toFixed(2) ?? '–'}</td><td>${r.cost_per_merged_pr_usd === null ? '–' : usd(r.cost_per_merged_pr_usd)}</td></tr>`,
  )}</tbody>
</table>`;
}

const percent = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
const usd = (v: number) => `$${v < 10 ? v.toFixed(2) : v.toFixed(0)}`;
