import { CHANNELS, Channel, RepoName, TASK_STATUSES, TaskId, TaskStatus } from '@abca/contracts';
import type { HtmlEscapedString } from 'hono/utils/html';
import { z } from 'zod';
import { h } from './markup.ts';

const blank = (v: unknown) => (v === '' ? undefined : v);

/** The task list's filters and cursor, from the query string (a GET form: anyone can type one). */
export const TaskFilters = z.object({
  status: z.preprocess(blank, TaskStatus.optional()),
  repo: z.preprocess(blank, RepoName.optional()),
  user: z.preprocess(
    blank,
    z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9._@-]+$/, 'must be a user id')
      .optional(),
  ),
  channel: z.preprocess(blank, Channel.optional()),
  /** The last task of the previous page: the list goes on with older ones. */
  before: z.preprocess(blank, TaskId.optional()),
});
export type TaskFilters = z.infer<typeof TaskFilters>;

/** The query string of filters (without the cursor unless given). */
export function filterQuery(f: Partial<TaskFilters>): string {
  const q = new URLSearchParams();
  for (const k of ['status', 'repo', 'user', 'channel', 'before'] as const) {
    const v = f[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function select(name: string, label: string, options: readonly string[], value: string | undefined) {
  const all = value && !options.includes(value) ? [value, ...options] : options;
  return h`<label>${label} <select name="${name}"><option value="">any</option>${all.map(
    (o) => h`<option value="${o}"${o === value ? h` selected` : ''}>${o}</option>`,
  )}</select></label>`;
}

/** The filter form `form.filters`: state, repo, user (admins only) and channel. */
export function filterForm(
  f: Partial<TaskFilters>,
  opts: { repos: string[]; users?: string[] },
): HtmlEscapedString {
  return h`<form class="filters" method="get" action="/tasks">
${select('status', 'State', TASK_STATUSES, f.status)}
${select('repo', 'Repo', opts.repos, f.repo)}
${opts.users ? select('user', 'User', opts.users, f.user) : ''}
${select('channel', 'Channel', CHANNELS, f.channel)}
<button type="submit">Filter</button>
</form>`;
}
