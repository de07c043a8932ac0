import type { MemoryRecord } from '@abca/contracts';
import { checkMemoryPatch, checkNewMemory } from '../../memory/new-memory.ts';
import { rarity, rarityScore, scopeCoverage } from '../../memory/rarity.ts';
import { scopeText } from '../../memory/rule-body.ts';
import { monotonicUlids } from '../../ops/ids.ts';
import type { Memory, MemoryQuery, NewMemory, ScoredMemory } from '../../ports/memory.ts';
import { pathTerms, pathWords } from './postgres.ts';

/** Words a search ignores (a short list of English stop words, as PostgreSQL's `english` drops them). */
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can did do does doing down during each few for from further had has have having he
  her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
  once only or other our ours out over own same she should so some such than that the their theirs them
  then there these they this those through to too under until up very was we were what when where which
  while who whom why will with you your yours`.split(/\s+/),
);

/** A crude stem (`logging` → `log`, `tests` → `test`): enough for a fake to find word forms. */
function stem(word: string): string {
  let w = word;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  // `logg` → `log`: a doubled last consonant left by a suffix.
  if (w.length > 3 && w.at(-1) === w.at(-2) && !'aeiou'.includes(w.at(-1) ?? 'a')) w = w.slice(0, -1);
  return w;
}

/** The stems of a text's words, stop words out (the search and the list filter use the same). */
function terms(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2 && w.length <= 40 && !STOP_WORDS.has(w));
  return new Set(words.slice(0, 2000).map(stem));
}

interface Stored {
  record: MemoryRecord;
  dedupeKey: string | undefined;
  titleTerms: Set<string>;
  pathTerms: Set<string>;
  bodyTerms: Set<string>;
}

const recencyOf = (r: MemoryRecord) => r.last_used_at ?? r.created_at;

/**
 * An in-memory {@link Memory} named fake, for unit tests of the parts that use memory. It keeps the
 * port's invariants (the shared contract suite runs on it as on PostgreSQL) and scores as it does
 * (memory/rarity.ts): each query word (crudely stemmed) the record holds counts its rarity among the
 * repo's records, whole in the title or a cited path, `BODY_MATCH_WEIGHT` of it in the body; a
 * review rule's score is then weighed by the share of its scope the task holds; recency, then use,
 * break ties.
 */
export function createFakeMemory(opts: { now?: () => Date } = {}): Memory {
  const now = opts.now ?? (() => new Date());
  const nextId = monotonicUlids();
  const records = new Map<string, Stored>();
  const uses = new Set<string>();

  const index = (record: MemoryRecord, dedupeKey: string | undefined): Stored => ({
    record,
    dedupeKey,
    titleTerms: terms(record.title),
    pathTerms: terms(pathTerms(record.citations)),
    bodyTerms: terms(record.body),
  });
  const copy = (r: MemoryRecord): MemoryRecord => structuredClone(r);
  const inRepo = (repo: string) => [...records.values()].filter((s) => s.record.repo === repo);
  const newestFirst = (a: Stored, b: Stored) => (a.record.id < b.record.id ? 1 : -1);

  return {
    kind: 'fake',

    async add(input: NewMemory) {
      const rec = checkNewMemory(input);
      if (rec.dedupeKey) {
        const earlier = inRepo(rec.repo).find((s) => s.dedupeKey === rec.dedupeKey);
        if (earlier) return copy(earlier.record);
      }
      const at = now().toISOString();
      const record: MemoryRecord = {
        id: `mem_${nextId()}`,
        repo: rec.repo,
        kind: rec.kind,
        user_id: rec.kind === 'user_preference' ? (rec.userId ?? null) : null,
        title: rec.title,
        body: rec.body,
        category: rec.category ?? null,
        citations: structuredClone(rec.citations),
        provenance: structuredClone(rec.provenance),
        pinned: rec.pinned ?? false,
        superseded_by: null,
        created_at: at,
        updated_at: at,
        last_used_at: null,
        use_count: 0,
      };
      records.set(record.id, index(record, rec.dedupeKey));
      const older = rec.supersedes ? records.get(rec.supersedes) : undefined;
      if (older && older.record.repo === rec.repo) {
        older.record.superseded_by = record.id;
        older.record.updated_at = at;
      }
      return copy(record);
    },

    async get(repo, id) {
      const s = records.get(id);
      return s && s.record.repo === repo ? copy(s.record) : undefined;
    },

    async list(repo, filter = {}) {
      const wanted = filter.text === undefined ? undefined : terms(filter.text);
      return inRepo(repo)
        .filter((s) => filter.kind === undefined || s.record.kind === filter.kind)
        .filter((s) => filter.includeSuperseded || s.record.superseded_by === null)
        .filter((s) => filter.before === undefined || s.record.id < filter.before)
        .filter(
          (s) =>
            wanted === undefined ||
            (wanted.size > 0 &&
              [...wanted].every((t) => s.titleTerms.has(t) || s.bodyTerms.has(t) || s.pathTerms.has(t))),
        )
        .sort(newestFirst)
        .slice(0, Math.min(filter.limit ?? 100, 1000))
        .map((s) => copy(s.record));
    },

    async update(repo, id, raw) {
      const patch = checkMemoryPatch(raw);
      const s = records.get(id);
      if (!s || s.record.repo !== repo) return undefined;
      const r = s.record;
      if (patch.title !== undefined) r.title = patch.title;
      if (patch.body !== undefined) r.body = patch.body;
      if (patch.category !== undefined) r.category = patch.category;
      if (patch.citations !== undefined) r.citations = structuredClone(patch.citations);
      if (patch.pinned !== undefined) r.pinned = patch.pinned;
      r.updated_at = now().toISOString();
      records.set(id, index(r, s.dedupeKey));
      return copy(r);
    },

    async forget(repo, id) {
      const s = records.get(id);
      if (!s || s.record.repo !== repo) return false;
      records.delete(id);
      for (const other of records.values()) {
        if (other.record.superseded_by === id) other.record.superseded_by = null;
      }
      return true;
    },

    async search(q: MemoryQuery): Promise<ScoredMemory[]> {
      const wanted = terms(`${q.text} ${q.paths.flatMap(pathWords).join(' ')}`);
      if (wanted.size === 0) return [];
      const excluded = new Set(q.excludeKinds ?? []);
      // Rarity as PostgreSQL keeps it: over every record of the repo, superseded ones included.
      const all = inRepo(q.repo);
      const holding = (t: string) =>
        all.filter((s) => s.titleTerms.has(t) || s.pathTerms.has(t) || s.bodyTerms.has(t)).length;
      const rarityOf = new Map([...wanted].map((t) => [t, rarity(holding(t), all.length)]));
      const found: ScoredMemory[] = [];
      for (const s of all) {
        const r = s.record;
        if (r.superseded_by !== null || excluded.has(r.kind)) continue;
        if (r.kind === 'user_preference' && (q.userId === undefined || r.user_id !== q.userId)) continue;
        const matches = [...wanted].flatMap((t) => {
          const inTitle = s.titleTerms.has(t) || s.pathTerms.has(t);
          return inTitle || s.bodyTerms.has(t) ? [{ rarity: rarityOf.get(t) ?? 0, inTitle }] : [];
        });
        if (matches.length === 0) continue;
        // A review rule weighs as much as the task holds of its own scope (memory/rarity.ts).
        const coverage =
          r.kind === 'review_rule'
            ? scopeCoverage(
                [...terms(scopeText(r))].map((t) => ({
                  rarity: rarity(holding(t), all.length),
                  held: wanted.has(t),
                })),
              )
            : 1;
        found.push({ record: copy(r), score: rarityScore(matches) * coverage });
      }
      return found
        .sort(
          (a, b) =>
            b.score - a.score ||
            recencyOf(b.record).localeCompare(recencyOf(a.record)) ||
            b.record.use_count - a.record.use_count ||
            b.record.id.localeCompare(a.record.id),
        )
        .slice(0, Math.min(q.limit ?? 50, 500));
    },

    async markUsed(repo, taskId, ids) {
      const at = now().toISOString();
      for (const id of ids) {
        const s = records.get(id);
        const key = `${taskId}\u0000${id}`;
        if (!s || s.record.repo !== repo || uses.has(key)) continue;
        uses.add(key);
        s.record.use_count += 1;
        s.record.last_used_at = at;
      }
    },

    async fade(cutoff, repo) {
      let removed = 0;
      for (const s of [...records.values()]) {
        const r = s.record;
        if (repo !== undefined && r.repo !== repo) continue;
        if (r.pinned || new Date(recencyOf(r)) >= cutoff) continue;
        records.delete(r.id);
        for (const other of records.values()) {
          if (other.record.superseded_by === r.id) other.record.superseded_by = null;
        }
        removed += 1;
      }
      return removed;
    },

    async count(repo) {
      return inRepo(repo).length;
    },
  };
}
