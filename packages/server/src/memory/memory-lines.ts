import { MemoryExportLine, type MemoryRecord } from '@abca/contracts';
import { findBadText } from '../api/input-text.ts';
import { AppError } from '../ops/errors.ts';

/** The most lines one import may hold (the body's size is capped too: MAX_IMPORT_BYTES). */
export const MAX_IMPORT_LINES = 20_000;
/** Bad lines named in one refusal, at most (the rest are counted). */
const MAX_REPORTED = 20;

/** A record as one line of an export (JSON lines): what it says and where it came from, not its id. */
export function exportLine(r: MemoryRecord): MemoryExportLine {
  return {
    kind: r.kind,
    user_id: r.user_id,
    title: r.title,
    body: r.body,
    category: r.category,
    citations: r.citations,
    provenance: r.provenance,
    pinned: r.pinned,
    created_at: r.created_at,
  };
}

/** One valid line of an import, with its 1-based line number. */
export interface ImportLine {
  line: number;
  record: MemoryExportLine;
}

/**
 * Reads a JSON-lines import: every non-empty line must be a JSON object that is a valid
 * {@link MemoryExportLine} (a `user_preference` names its user; other kinds name none). Any bad
 * line refuses the whole import (a 400 naming each bad line, up to 20, and its field), so nothing
 * is stored from a file with a mistake in it.
 */
export function parseImportLines(text: string): ImportLine[] {
  const out: ImportLine[] = [];
  const bad: { field: string; message: string }[] = [];
  let badCount = 0;
  const refuse = (line: number, field: string, message: string) => {
    badCount++;
    if (bad.length < MAX_REPORTED)
      bad.push({ field: field ? `line.${line}.${field}` : `line.${line}`, message });
  };
  const lines = text.split('\n');
  let nonEmpty = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    nonEmpty++;
    if (nonEmpty > MAX_IMPORT_LINES)
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `An import holds at most ${MAX_IMPORT_LINES} records; split the file and import each part.`,
      );
    const n = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      refuse(n, '', `not valid JSON: ${(err as Error).message.slice(0, 200)}`);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      refuse(n, '', 'must be a JSON object (one record per line)');
      continue;
    }
    const badText = findBadText(value);
    if (badText) {
      refuse(n, badText.field, badText.message);
      continue;
    }
    const parsed = MemoryExportLine.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 3)) {
        const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : undefined;
        const at = issue.path.map(String).join('.');
        if (keys) refuse(n, keys.map((k) => (at ? `${at}.${k}` : k)).join(', '), 'unknown field');
        else refuse(n, at, issue.message);
      }
      continue;
    }
    const rec = parsed.data;
    if (rec.kind === 'user_preference' && !rec.user_id) {
      refuse(n, 'user_id', 'a user_preference names the user it belongs to');
      continue;
    }
    if (rec.kind !== 'user_preference' && rec.user_id) {
      refuse(n, 'user_id', `only a user_preference belongs to a user, not a ${rec.kind}`);
      continue;
    }
    out.push({ line: n, record: rec });
  }
  if (badCount > 0) {
    const more = badCount > bad.length ? ` (and ${badCount - bad.length} more)` : '';
    throw new AppError(
      'VALIDATION_ERROR',
      `Invalid import, nothing was stored: ${bad
        .slice(0, 5)
        .map((d) => `${d.field}: ${d.message}`)
        .join('; ')}${bad.length > 5 || more ? ' ...' : ''}${more}`,
      { details: bad },
    );
  }
  if (out.length === 0)
    throw new AppError('VALIDATION_ERROR', 'The import holds no records: send one JSON object per line.', {
      details: [{ field: '(body)', message: 'no records' }],
    });
  return out;
}

/** The content types an import is read as (JSON lines). */
export const LINES_CONTENT_TYPE = /^application\/(x-ndjson|jsonl|x-jsonlines)\b/i;

/** The largest import body: 8 MB (the rest of the API takes 1 MB). */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

/** True for `POST /v1/repos/{repo}/memory/import`, the one route whose body is JSON lines, not JSON. */
export function isMemoryImport(method: string, path: string): boolean {
  return method === 'POST' && /^\/v1\/repos\/[^?#]+\/memory\/import\/?$/.test(path);
}
