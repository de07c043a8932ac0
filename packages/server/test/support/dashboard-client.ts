/**
 * A signed-in browser, without the browser: the dashboard's session cookie and CSRF token, pages
 * fetched as HTML, forms posted urlencoded, and live streams read as server-sent events.
 */
export interface DashboardClient {
  cookie: string;
  csrf: string;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; text: string }>;
  /** Posts a form (the CSRF field added) without following the redirect. */
  post(
    path: string,
    fields: Record<string, string>,
    opts?: { csrf?: boolean },
  ): Promise<{ status: number; location: string | null; text: string }>;
  /** Opens a live stream and collects its events until `done` says so (or the stream ends). */
  stream(
    path: string,
    done: (events: SseEvent[]) => boolean,
    opts?: { headers?: Record<string, string>; timeoutMs?: number; onEvent?: (e: SseEvent) => void },
  ): Promise<{ status: number; events: SseEvent[]; ended: boolean }>;
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  /** performance.now() when the event arrived. */
  at: number;
}

/** Signs in through /login with an API key: the session cookie and the page's CSRF token. */
export async function signInSession(url: string, key: string): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key, next: '/tasks' }).toString(),
    redirect: 'manual',
  });
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const first = await (await fetch(`${url}/tasks`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(first)?.[1];
  if (!csrf) throw new Error('no CSRF token on the page');
  return { cookie, csrf };
}

export async function signInDashboard(url: string, key: string): Promise<DashboardClient> {
  const { cookie, csrf } = await signInSession(url, key);
  return {
    cookie,
    csrf,
    async get(path, headers = {}) {
      const res = await fetch(`${url}${path}`, { headers: { cookie, ...headers }, redirect: 'manual' });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    async post(path, fields, opts = {}) {
      const body = new URLSearchParams({ ...(opts.csrf === false ? {} : { _csrf: csrf }), ...fields });
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: url },
        body: body.toString(),
        redirect: 'manual',
      });
      return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    },
    async stream(path, done, opts = {}) {
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 60_000);
      const events: SseEvent[] = [];
      let ended = false;
      try {
        const res = await fetch(`${url}${path}`, {
          headers: { cookie, accept: 'text/event-stream', ...(opts.headers ?? {}) },
          signal: ctrl.signal,
        });
        if (res.status !== 200 || !res.body) return { status: res.status, events, ended };
        const decoder = new TextDecoder();
        let buf = '';
        const reader = res.body.getReader();
        for (;;) {
          const { value, done: eof } = await reader.read();
          if (eof) {
            ended = true;
            break;
          }
          buf += decoder.decode(value, { stream: true });
          let cut = buf.indexOf('\n\n');
          while (cut >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            cut = buf.indexOf('\n\n');
            const e: SseEvent = { event: 'message', data: '', at: performance.now() };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) e.id = line.slice(3).trim();
              else if (line.startsWith('event:')) e.event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (!e.id && e.event === 'message' && data.length === 0) continue; // a comment
            e.data = data.join('\n');
            events.push(e);
            opts.onEvent?.(e);
          }
          if (done(events)) break;
        }
        await reader.cancel().catch(() => {});
        return { status: res.status, events, ended };
      } catch (err) {
        if (ctrl.signal.aborted) throw new Error(`stream ${path} timed out with ${events.length} events`);
        throw err;
      } finally {
        clearTimeout(timer);
        ctrl.abort();
      }
    },
  };
}
