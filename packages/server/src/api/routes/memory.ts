import { createRedactor } from '@abca/agent/without-models';
import {
  CreateMemoryRequest,
  ListMemoryQuery,
  MEMORY_ID_PATTERN,
  MEMORY_LINES_CONTENT_TYPE,
  MemoryId,
  type MemoryImportResult,
  type MemoryKind,
  RepoName,
  UpdateMemoryRequest,
} from '@abca/contracts';
import { type Context, Hono, type Next } from 'hono';
import { contentKey, sameContent } from '../../memory/content-key.ts';
import { exportLine, LINES_CONTENT_TYPE, parseImportLines } from '../../memory/memory-lines.ts';
import { AppError } from '../../ops/errors.ts';
import { getRepo } from '../../store/repo-store.ts';
import {
  addMemory,
  editMemory,
  forgetMemory,
  loadMemory,
  memoryVisible,
  onboardedRepo,
  pinMemory,
  requireAdminToChange,
} from '../actions/memory-actions.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { decodeUtf8 } from '../input-text.ts';
import { decodeToken, encodeToken, readBody, readParam, readQuery } from '../validate.ts';

/** Records read a page at a time while an export streams. */
const EXPORT_PAGE = 500;

type Handler = (c: Context<AppEnv>, repo: string) => Promise<Response>;

/**
 * A repo's memory for people (`/v1/repos/{repo}/memory`, docs/memory.md): list, show, add, edit,
 * forget, pin, export and import as JSON lines. Who may: everyone reads (as they read repos), but a
 * `user_preference` is shown only to its user and admins; admins change anything; a member adds and
 * forgets their own `user_preference` records only. Every text a person sends is scrubbed of
 * secrets before it is stored (it may reach a prompt); it stays data, never configuration.
 * `{repo}` is `owner/name` (encoded or not) or a one-segment name.
 */
export function memoryRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const redactor = createRedactor();

  /**
   * Registers a route under both spellings of a repo: `/owner/name/memory...` and
   * `/{repo}/memory...` (`owner%2Fname` or a one-segment name). A GET of `/{x}/memory` for an `x`
   * that is not onboarded, when `x/memory` is, falls through to the repo route (`GET /v1/repos/x/memory`).
   */
  const on = (method: 'get' | 'post' | 'patch' | 'delete', sub: string, h: Handler) => {
    app[method](`/:owner/:name/memory${sub}`, async (c) => {
      const name = readParam(`${c.req.param('owner')}/${c.req.param('name')}`, RepoName, 'repo');
      return h(c, await onboardedRepo(deps, name));
    });
    app[method](`/:repo/memory${sub}`, async (c: Context<AppEnv>, next: Next) => {
      const name = readParam(c.req.param('repo'), RepoName, 'repo');
      if (method === 'get' && sub === '' && !name.includes('/')) {
        const [own, other] = await Promise.all([getRepo(deps.db, name), getRepo(deps.db, `${name}/memory`)]);
        if (!own && other) {
          await next();
          return c.res;
        }
      }
      return h(c, await onboardedRepo(deps, name));
    });
  };

  const idOf = (c: Context<AppEnv>) => readParam(c.req.param('id'), MemoryId, 'id');

  on('get', '', async (c, repo) => {
    const p = c.get('principal');
    const q = readQuery(c, ListMemoryQuery);
    const before = q.before ?? decodeToken(q.next_token, 'before');
    if (before !== undefined && !MEMORY_ID_PATTERN.test(before))
      throw new AppError(
        'VALIDATION_ERROR',
        'Invalid next_token: pass the value from the previous page unchanged.',
        {
          details: [{ field: 'query.next_token', message: 'not a token this API issued' }],
        },
      );
    const rows = await deps.memory.list(repo, {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.q ? { text: q.q } : {}),
      ...(before ? { before } : {}),
      includeSuperseded: q.include_superseded === 'true',
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const hasMore = rows.length > q.limit;
    const last = page[page.length - 1];
    return c.json({
      data: page.filter((r) => memoryVisible(p, r)),
      pagination: {
        next_token: hasMore && last ? encodeToken({ before: last.id }) : null,
        has_more: hasMore,
      },
    });
  });

  // Before `/:id`: `export` is not a record id.
  on('get', '/export', async (c, repo) => {
    const p = c.get('principal');
    const log = c.get('log');
    const memory = deps.memory;
    const encoder = new TextEncoder();
    let before: string | undefined;
    let done = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          // Pages a member may not see any record of yield nothing: read on until a line or the end.
          while (!done) {
            const rows = await memory.list(repo, { limit: EXPORT_PAGE, ...(before ? { before } : {}) });
            done = rows.length < EXPORT_PAGE;
            before = rows[rows.length - 1]?.id;
            const text = rows
              .filter((r) => memoryVisible(p, r))
              .map((r) => `${JSON.stringify(exportLine(r))}\n`)
              .join('');
            if (text) {
              ctrl.enqueue(encoder.encode(text));
              if (!done) return;
            }
          }
          ctrl.close();
        } catch (err) {
          log.error({ err, repo }, 'memory export failed');
          ctrl.error(err);
        }
      },
    });
    const file = `${repo.replace(/[^A-Za-z0-9._-]+/g, '-')}-memory.jsonl`;
    return c.body(body, 200, {
      'Content-Type': `${MEMORY_LINES_CONTENT_TYPE}; charset=utf-8`,
      'Content-Disposition': `attachment; filename="${file}"`,
    });
  });

  on('post', '/import', async (c, repo) => {
    const p = c.get('principal');
    requireAdminToChange(p);
    if (!LINES_CONTENT_TYPE.test(c.req.header('content-type') ?? ''))
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the import as JSON lines (one record per line, as an export writes them) with Content-Type: ${MEMORY_LINES_CONTENT_TYPE}.`,
      );
    const text = decodeUtf8(await c.req.arrayBuffer());
    if (text === undefined)
      throw new AppError(
        'VALIDATION_ERROR',
        'The import is not valid UTF-8: send JSON lines encoded as UTF-8.',
        {
          details: [{ field: '(body)', message: 'not valid UTF-8' }],
        },
      );
    // Every line is checked before anything is stored: a bad line stores nothing.
    const lines = parseImportLines(text);
    const seen = new Set<string>();
    let added = 0;
    for (const { record } of lines) {
      const line = redactor.redactValue(record);
      const key = contentKey({ kind: line.kind, userId: line.user_id, title: line.title, body: line.body });
      if (seen.has(key)) continue;
      seen.add(key);
      if (await heldAlready(deps, repo, line)) continue;
      await deps.memory.add({
        repo,
        kind: line.kind,
        userId: line.user_id,
        title: line.title,
        body: line.body,
        category: line.category,
        citations: line.citations,
        provenance: {
          source: 'import',
          by: p.userId,
          ...(line.provenance.task_id ? { task_id: line.provenance.task_id } : {}),
          ...(line.provenance.model ? { model: line.provenance.model } : {}),
        },
        pinned: line.pinned,
        dedupeKey: key,
      });
      added++;
    }
    c.get('log').info({ repo, lines: lines.length, added }, 'memory imported');
    const result: MemoryImportResult = { lines: lines.length, added, skipped: lines.length - added };
    return c.json({ data: result });
  });

  on('get', '/:id', async (c, repo) =>
    c.json({ data: await loadMemory(deps, c.get('principal'), repo, idOf(c)) }),
  );

  on('post', '', async (c, repo) => {
    const rec = await addMemory(
      deps,
      c.get('log'),
      c.get('principal'),
      repo,
      await readBody(c, CreateMemoryRequest),
    );
    c.header('Location', `/v1/repos/${encodeURIComponent(repo)}/memory/${rec.id}`);
    return c.json({ data: rec }, 201);
  });

  on('patch', '/:id', async (c, repo) => {
    const p = c.get('principal');
    requireAdminToChange(p);
    const updated = await editMemory(deps, c.get('log'), p, repo, idOf(c), () =>
      readBody(c, UpdateMemoryRequest),
    );
    return c.json({ data: updated });
  });

  on('delete', '/:id', async (c, repo) =>
    c.json({ data: await forgetMemory(deps, c.get('log'), c.get('principal'), repo, idOf(c)) }),
  );

  for (const [action, pinned] of [
    ['pin', true],
    ['unpin', false],
  ] as const) {
    on('post', `/:id/${action}`, async (c, repo) => {
      requireAdminToChange(c.get('principal'));
      return c.json({ data: await pinMemory(deps, c.get('principal'), repo, idOf(c), pinned) });
    });
  }

  return app;
}

/**
 * True when the repo holds a record saying the same thing already (superseded ones count: a rule
 * replaced on purpose does not come back with an import). Records a writer stored under its own
 * dedupe key are found by a search on the title; the content key catches the rest.
 */
async function heldAlready(
  deps: Pick<ApiDeps, 'memory'>,
  repo: string,
  line: { kind: MemoryKind; user_id: string | null; title: string; body: string },
): Promise<boolean> {
  const words = line.title.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  if (words === '') return false;
  const near = await deps.memory.list(repo, {
    kind: line.kind,
    // Words only: `-word` or a quote would be search syntax (websearch_to_tsquery).
    text: words,
    includeSuperseded: true,
    limit: 50,
  });
  return near.some((r) => sameContent(r, line));
}
