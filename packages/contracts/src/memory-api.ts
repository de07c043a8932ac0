import { z } from 'zod';
import { MemoryKind } from './memory.ts';

/** A memory record id in a path: `mem_` and a ULID. */
export const MEMORY_ID_PATTERN = /^mem_[0-9A-HJKMNP-TV-Z]{26}$/;
export const MemoryId = z
  .string()
  .regex(MEMORY_ID_PATTERN, 'must be a memory record id: mem_ and 26 characters (a ULID)');

/** `DELETE /v1/repos/{repo}/memory/{id}`: the record is gone. */
export const ForgottenMemory = z.object({ id: z.string(), forgotten: z.literal(true) });
export type ForgottenMemory = z.infer<typeof ForgottenMemory>;

/** `POST /v1/repos/{repo}/memory/import`: what an import did (all its lines were valid, or nothing). */
export const MemoryImportResult = z.object({
  /** Non-empty lines read. */
  lines: z.number().int().nonnegative(),
  /** Records stored. */
  added: z.number().int().nonnegative(),
  /** Lines whose content the repo (or an earlier line) held already: not stored twice. */
  skipped: z.number().int().nonnegative(),
});
export type MemoryImportResult = z.infer<typeof MemoryImportResult>;

/** The content type of a memory export and import (JSON lines). */
export const MEMORY_LINES_CONTENT_TYPE = 'application/x-ndjson';

/** `GET /v1/repos/{repo}/memory`: newest first, a page at a time. */
export const ListMemoryQuery = z.strictObject({
  kind: MemoryKind.optional(),
  /** Full-text search over title, body and cited paths. */
  q: z.string().trim().min(1).max(500).optional(),
  /** Records older than this one (the listing's order): the next page by id. */
  before: MemoryId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  next_token: z.string().max(200).optional(),
  /** Records a newer one replaced, too (default: only current ones). */
  include_superseded: z.enum(['true', 'false']).optional(),
});
export type ListMemoryQuery = z.infer<typeof ListMemoryQuery>;
