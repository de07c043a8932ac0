import type { Octokit } from '@octokit/rest';

const PER_PAGE = 100;

function lastPage(link: string | undefined): number | undefined {
  const found = /<[^>]*[?&]page=(\d+)[^>]*>;\s*rel="last"/.exec(link ?? '');
  return found ? Number(found[1]) : undefined;
}

/**
 * The newest `cap` items of a REST list GitHub returns oldest first (reviews, issue comments): the
 * first page tells how many pages there are (its `Link` header), then only the last pages are read.
 * At most `2 + ceil(cap / 100)` requests.
 */
export async function listNewest<T>(
  o: Octokit,
  route: string,
  params: Record<string, unknown>,
  cap: number,
): Promise<T[]> {
  const first = await o.request(route, { ...params, per_page: PER_PAGE, page: 1 });
  const last = lastPage(first.headers.link) ?? 1;
  const wanted = Math.ceil(cap / PER_PAGE);
  // The last page may be short: one page more than `cap` needs covers it.
  const from = Math.max(1, last - wanted);
  const items: T[] = from === 1 ? [...(first.data as T[])] : [];
  for (let page = Math.max(from, 2); page <= last; page++) {
    const res = await o.request(route, { ...params, per_page: PER_PAGE, page });
    items.push(...(res.data as T[]));
  }
  return items.slice(-cap);
}

/** The first `maxPages` pages of a REST list (100 a page), for lists GitHub bounds itself (a PR's commits). */
export async function listFirst<T>(
  o: Octokit,
  route: string,
  params: Record<string, unknown>,
  maxPages: number,
  pick: (data: unknown) => T[] = (data) => data as T[],
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const res = await o.request(route, { ...params, per_page: PER_PAGE, page });
    const got = pick(res.data);
    items.push(...got);
    if (got.length < PER_PAGE || !/rel="next"/.test(res.headers.link ?? '')) break;
  }
  return items;
}
