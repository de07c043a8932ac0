import { MemoryCitation, MemoryProvenance, type MemoryRecord } from '@abca/contracts';
import { z } from 'zod';
import { checkMemoryPatch, checkNewMemory } from '../../memory/new-memory.ts';
import { BODY_MATCH_WEIGHT, rarity, scopeCoverage } from '../../memory/rarity.ts';
import { APPLIES_WHEN_PREFIX } from '../../memory/rule-body.ts';
import { monotonicUlids } from '../../ops/ids.ts';
import type { Memory, MemoryQuery, NewMemory, ScoredMemory } from '../../ports/memory.ts';
import type { Queryable } from '../../storage/db.ts';
import { toJsonb } from '../../storage/storable.ts';

const COLUMNS = `id, repo, kind, user_id, title, body, category, citations, provenance, pinned, superseded_by,
  created_at, updated_at, last_used_at, use_count`;

const Row = z.object({
  id: z.string(),
  repo: z.string(),
  kind: z.enum(['repo_knowledge', 'episode', 'review_rule', 'user_preference']),
  user_id: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  category: z.enum(['nit', 'bug', 'style', 'design', 'scope']).nullable(),
  citations: z.array(MemoryCitation),
  provenance: MemoryProvenance,
  pinned: z.boolean(),
  superseded_by: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  last_used_at: z.date().nullable(),
  use_count: z.number().int(),
});

/** A row as the API shows it (validated on read: a row that drifted fails loudly). */
function toRecord(row: unknown): MemoryRecord {
  const r = Row.parse(row);
  return {
    ...r,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
  };
}

/**
 * The words of a path (`src/api/users.ts` → `src api users`): its folders and its file name, not
 * the extension every other file shares (a `.ts` in a query would match every record citing one).
 */
export function pathWords(path: string): string[] {
  const parts = path.split('/');
  const file = (parts.pop() ?? '').replace(/\.[A-Za-z0-9]{1,8}$/, '');
  return [...parts, file].flatMap((p) => p.split(/[^A-Za-z0-9]+/)).filter(Boolean);
}

/** The words of the cited paths (`src/api/users.ts` → `src/api/users.ts src api users`), for the search. */
export function pathTerms(citations: readonly MemoryCitation[]): string {
  const paths = citations.flatMap((c) => (c.kind === 'file' ? [c.path] : []));
  return paths
    .flatMap((p) => [p, ...pathWords(p)])
    .join(' ')
    .slice(0, 4000);
}

/**
 * What of a path a query searches for: its file name (without extension) and its folder
 * (`src/server/rates/client.ts` → `rates client`). Not every segment: `src`, `server`, `ts` are in
 * nearly every record's cited paths, so they would match (and make PostgreSQL rank) most of a repo.
 */
function pathQueryTerms(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const file = (segments.at(-1) ?? '').replace(/\.[^.]*$/, '');
  return `${segments.at(-2) ?? ''} ${file}`;
}

/** The words of a text (letters and digits, 2 to 40 long), distinct, at most `max`. */
function wordsOf(text: string, max: number): string[] {
  const words = text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2 && w.length <= 40);
  return [...new Set(words)].slice(0, max);
}

/**
 * Postings (records holding a word, summed over the query's words, rarest first) a search matches
 * on. The words past it are in most of a big repo's records ("test", "file"): matching on them would
 * make the search rank the whole repo, and they tell records apart the least. A repo of a few
 * thousand records keeps every word of the query.
 */
export const SEARCH_POSTINGS_CAP = 2000;

/** PostgreSQL refuses NUL in text: a key holding one names no record (never a 5xx). */
const hasNul = (...keys: (string | undefined)[]) => keys.some((k) => k?.includes('\u0000'));

/** A person's words for the listing filter: NUL out, bounded (PostgreSQL refuses NUL). */
function listText(text: string): string {
  return text.replaceAll('\u0000', ' ').slice(0, 2000);
}

/**
 * The search's second statement, for `lexemes` kept lexemes: each record of the repo holding one
 * ($2, the tsquery of them) scores the rarity of every one it holds — whole in its title or cited
 * paths (`'word':A`, weight A), $6 of it in its body (weight B) — one `CASE` a lexeme, each a
 * binary search in the record's vector. Parameters: $1 repo, $2 query, $3 user, $4 excluded kinds,
 * $5 limit, $6 the body's weight, then three a lexeme (its `:A` tsquery, its tsquery, its rarity):
 * {@link scoredSearchParams}. The postings cap bounds the rows scored; the plan is a bitmap scan of
 * `memory_records_repo_search` (test/memory-scale.test.ts explains this very statement).
 */
export function scoredSearchSql(lexemes: number): string {
  const score = Array.from({ length: lexemes }, (_, i) => {
    const [inTitle, anywhere, weight] = [7 + 3 * i, 8 + 3 * i, 9 + 3 * i];
    return `CASE WHEN search @@ $${inTitle}::tsquery THEN $${weight}::float8
              WHEN search @@ $${anywhere}::tsquery THEN $${weight}::float8 * $6::float8 ELSE 0 END`;
  });
  return `WITH top AS (
  SELECT ${COLUMNS}, ${score.join(' + ') || '0'} AS score
    FROM memory_records
   WHERE repo = $1 AND search @@ $2::tsquery AND superseded_by IS NULL
     AND (kind <> 'user_preference' OR user_id = $3)
     AND NOT (kind = ANY($4::text[]))
   ORDER BY score DESC, coalesce(last_used_at, created_at) DESC, use_count DESC, id DESC
   LIMIT $5)
  SELECT top.*, CASE WHEN kind = 'review_rule' THEN (
      SELECT coalesce(json_agg(json_build_array(l.lexeme, coalesce(s.ndoc, 0))), '[]'::json)
        FROM unnest(tsvector_to_array(to_tsvector('english',
               title || ' ' || coalesce(substring(body from '${SCOPE_LINE}'), '')))) AS l(lexeme)
        LEFT JOIN memory_lexemes s ON s.repo = $1 AND s.lexeme = l.lexeme
    ) END AS scope_words
    FROM top
   ORDER BY score DESC, coalesce(last_used_at, created_at) DESC, use_count DESC, id DESC`;
}

/**
 * The body's "Applies when:" line, as a POSIX pattern whose group is the line's text: with the
 * title, a rule's scope (memory/rule-body.ts), whose words the search weighs against the task's.
 */
const SCOPE_LINE = `\\n${APPLIES_WHEN_PREFIX}([^\\n]*)`;

/** A review rule's scope words with how many of the repo's records hold each (`memory_lexemes`). */
const ScopeWords = z.array(z.tuple([z.string(), z.number()])).nullable();

/** The parameters of {@link scoredSearchSql}: `operands` are the lexemes quoted as tsquery operands. */
export function scoredSearchParams(
  q: { repo: string; query: string; userId: string | null; excludeKinds: string[]; limit: number },
  kept: readonly { operand: string; rarity: number }[],
): unknown[] {
  return [
    q.repo,
    q.query,
    q.userId,
    q.excludeKinds,
    q.limit,
    BODY_MATCH_WEIGHT,
    ...kept.flatMap((k) => [`${k.operand}:A`, k.operand, k.rarity]),
  ];
}

/**
 * The memory store on PostgreSQL (migrations 016, 017, 022): full-text search over title, body and
 * cited paths (`tsvector` with a GIN index holding the repo), on the words that tell a repo's
 * records apart, ranked by the rarity of the words a record shares with the query (memory/rarity.ts,
 * from word counts kept on write) with recency and use as tie-breakers (docs/memory.md).
 */
export function createPostgresMemory(db: Queryable): Memory {
  // Ids sort in the order records were added (the listing's "newest first" and its paging).
  const ulid = monotonicUlids();
  return {
    kind: 'postgres',

    async add(input: NewMemory) {
      const rec = checkNewMemory(input);
      const id = `mem_${ulid()}`;
      const res = await db.query(
        `WITH added AS (
           INSERT INTO memory_records (id, repo, kind, user_id, title, body, category, citations, provenance,
                                       pinned, dedupe_key, path_terms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12)
           ON CONFLICT (repo, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
           RETURNING ${COLUMNS}
         ), superseded AS (
           UPDATE memory_records SET superseded_by = (SELECT id FROM added), updated_at = clock_timestamp()
            WHERE $13::text IS NOT NULL AND id = $13 AND repo = $2 AND EXISTS (SELECT 1 FROM added)
         )
         SELECT * FROM added`,
        [
          id,
          rec.repo,
          rec.kind,
          rec.kind === 'user_preference' ? (rec.userId ?? null) : null,
          rec.title,
          rec.body,
          rec.category ?? null,
          toJsonb(rec.citations),
          toJsonb(rec.provenance),
          rec.pinned ?? false,
          rec.dedupeKey ?? null,
          pathTerms(rec.citations),
          rec.supersedes ?? null,
        ],
      );
      if (res.rows[0]) return toRecord(res.rows[0]);
      const earlier = await db.query(
        `SELECT ${COLUMNS} FROM memory_records WHERE repo = $1 AND dedupe_key = $2`,
        [rec.repo, rec.dedupeKey ?? null],
      );
      return toRecord(earlier.rows[0]);
    },

    async get(repo, id) {
      if (hasNul(repo, id)) return undefined;
      const res = await db.query(`SELECT ${COLUMNS} FROM memory_records WHERE repo = $1 AND id = $2`, [
        repo,
        id,
      ]);
      return res.rows[0] ? toRecord(res.rows[0]) : undefined;
    },

    async list(repo, filter = {}) {
      if (hasNul(repo, filter.before)) return [];
      const res = await db.query(
        `SELECT ${COLUMNS} FROM memory_records
          WHERE repo = $1 AND ($2::text IS NULL OR kind = $2) AND ($3 OR superseded_by IS NULL)
            AND ($4::text IS NULL OR search @@ plainto_tsquery('english', $4))
            AND ($5::text IS NULL OR id < $5)
          ORDER BY id DESC LIMIT $6`,
        [
          repo,
          filter.kind ?? null,
          filter.includeSuperseded ?? false,
          filter.text === undefined ? null : listText(filter.text),
          filter.before ?? null,
          Math.min(filter.limit ?? 100, 1000),
        ],
      );
      return res.rows.map(toRecord);
    },

    async update(repo, id, raw) {
      const patch = checkMemoryPatch(raw);
      if (hasNul(repo, id)) return undefined;
      const res = await db.query(
        `UPDATE memory_records SET title = coalesce($3, title), body = coalesce($4, body),
           category = CASE WHEN $5 THEN $6 ELSE category END,
           citations = coalesce($7::jsonb, citations), path_terms = coalesce($8, path_terms),
           pinned = coalesce($9, pinned), updated_at = clock_timestamp()
         WHERE repo = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          repo,
          id,
          patch.title ?? null,
          patch.body ?? null,
          patch.category !== undefined,
          patch.category ?? null,
          patch.citations ? toJsonb(patch.citations) : null,
          patch.citations ? pathTerms(patch.citations) : null,
          patch.pinned ?? null,
        ],
      );
      return res.rows[0] ? toRecord(res.rows[0]) : undefined;
    },

    async forget(repo, id) {
      if (hasNul(repo, id)) return false;
      const res = await db.query('DELETE FROM memory_records WHERE repo = $1 AND id = $2', [repo, id]);
      return (res.rowCount ?? 0) > 0;
    },

    async search(q: MemoryQuery): Promise<ScoredMemory[]> {
      const text = wordsOf(q.text, 200);
      const paths = wordsOf(q.paths.map(pathQueryTerms).join(' '), 200);
      if ((text.length === 0 && paths.length === 0) || hasNul(q.repo, q.userId)) return [];
      // The query's lexemes (stemmed as titles and bodies are; paths also as they are stored), the
      // rarest of this repo first, up to the postings cap, with how many records hold each and how
      // many the repo has (memory_lexemes, memory_repo_sizes: kept on write, migrations 017, 022).
      const picked = await db.query<{ lexeme: string; operand: string; ndoc: number; nrec: number | null }>(
        `WITH words AS (
           SELECT DISTINCT l.lexeme
             FROM unnest(tsvector_to_array(to_tsvector('english', $2) || to_tsvector('simple', $3))) AS l(lexeme)
         ), counted AS (
           SELECT w.lexeme, s.ndoc, sum(s.ndoc) OVER (ORDER BY s.ndoc, w.lexeme) AS running,
                  row_number() OVER (ORDER BY s.ndoc, w.lexeme) AS nth
             FROM words w JOIN memory_lexemes s ON s.repo = $1 AND s.lexeme = w.lexeme AND s.ndoc > 0
         )
         SELECT lexeme, quote_literal(lexeme) AS operand, ndoc, (SELECT nrec FROM memory_repo_sizes WHERE repo = $1) AS nrec
           FROM counted WHERE running <= $4 OR nth = 1`,
        [q.repo, [...text, ...paths].join(' '), paths.join(' '), SEARCH_POSTINGS_CAP],
      );
      if (picked.rows.length === 0) return [];
      const records = picked.rows[0]?.nrec ?? 0;
      const kept = picked.rows.map((r) => ({ operand: r.operand, rarity: rarity(r.ndoc, records) }));
      const res = await db.query(
        scoredSearchSql(kept.length),
        scoredSearchParams(
          {
            repo: q.repo,
            query: kept.map((k) => k.operand).join(' | '),
            userId: q.userId ?? null,
            excludeKinds: q.excludeKinds ?? [],
            limit: Math.min(q.limit ?? 50, 500),
          },
          kept,
        ),
      );
      // A review rule weighs as much as the task holds of its own scope (memory/rarity.ts): the
      // words of its title and "Applies when:" line, each by its rarity in the repo.
      const held = new Set(picked.rows.map((r) => r.lexeme));
      return res.rows
        .map((r) => {
          const scope = ScopeWords.parse(r.scope_words ?? null);
          const coverage = scope
            ? scopeCoverage(scope.map(([l, n]) => ({ rarity: rarity(n, records), held: held.has(l) })))
            : 1;
          return { record: toRecord(r), score: Number(r.score) * coverage };
        })
        .sort((a, b) => b.score - a.score);
    },

    async markUsed(repo, taskId, ids) {
      if (ids.length === 0) return;
      await db.query(
        `WITH fresh AS (
           INSERT INTO memory_uses (task_id, record_id)
           SELECT $2, id FROM memory_records WHERE repo = $1 AND id = ANY($3::text[])
           ON CONFLICT DO NOTHING RETURNING record_id
         )
         UPDATE memory_records SET use_count = use_count + 1, last_used_at = clock_timestamp()
          WHERE id IN (SELECT record_id FROM fresh)`,
        [repo, taskId, ids],
      );
    },

    async fade(cutoff, repo) {
      const res = await db.query(
        `DELETE FROM memory_records
          WHERE ($2::text IS NULL OR repo = $2) AND NOT pinned
            AND coalesce(last_used_at, created_at) < $1`,
        [cutoff, repo ?? null],
      );
      return res.rowCount ?? 0;
    },

    async count(repo) {
      const res = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM memory_records WHERE repo = $1',
        [repo],
      );
      return res.rows[0]?.n ?? 0;
    },
  };
}
