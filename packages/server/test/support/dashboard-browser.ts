import { signInSession } from './dashboard-client.ts';

/**
 * A signed-in browser for dashboard tests: a session cookie from `/login`, the page's CSRF token,
 * and form posts that do not follow redirects (a test asserts the 303 and where it goes).
 */
export interface DashboardBrowser {
  cookie: string;
  csrf: string;
  get(path: string): Promise<{ status: number; text: string; headers: Headers }>;
  post(
    path: string,
    fields: Record<string, string>,
    opts?: { csrf?: string | null },
  ): Promise<{ status: number; text: string; headers: Headers }>;
}

export async function signInBrowser(url: string, key: string): Promise<DashboardBrowser> {
  const { cookie, csrf } = await signInSession(url, key);
  const read = async (res: Response) => ({
    status: res.status,
    text: await res.text(),
    headers: res.headers,
  });
  return {
    cookie,
    csrf,
    get: async (path) => read(await fetch(`${url}${path}`, { headers: { cookie }, redirect: 'manual' })),
    post: async (path, fields, opts = {}) => {
      const token = opts.csrf === undefined ? csrf : opts.csrf;
      const body = new URLSearchParams({ ...fields, ...(token === null ? {} : { _csrf: token }) });
      return read(
        await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
          redirect: 'manual',
        }),
      );
    },
  };
}

/** The text of a page without its tags (to read what a person sees). */
export function visibleText(page: string): string {
  return page
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
