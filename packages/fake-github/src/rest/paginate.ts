import type { RestContext } from './route.ts';

/**
 * One page of `items` per `per_page` (default 30, at most 100) and `page`, with a `Link` header
 * as GitHub sends, so Octokit's `paginate` walks every page.
 */
export function paginate<T>(
  context: RestContext,
  path: string,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(context.query.get('per_page')) || 30, 1), 100);
  const page = Math.max(Number(context.query.get('page')) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams(context.query);
    query.set('per_page', String(perPage));
    query.set('page', String(n));
    return `<${context.urls.api}${path}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}
