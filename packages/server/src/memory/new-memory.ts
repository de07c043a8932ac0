import {
  MemoryBody,
  MemoryCitation,
  MemoryKind,
  MemoryProvenance,
  MemoryTitle,
  ReviewCategory,
} from '@abca/contracts';
import { z } from 'zod';
import { AppError } from '../ops/errors.ts';
import type { NewMemory } from '../ports/memory.ts';

/** PostgreSQL refuses NUL in text: refused here, with a clear message, before any query. */
const noNul = (s: string) => !s.includes('\u0000');
const Text = <T extends z.ZodString>(t: T) => t.refine(noNul, 'must not contain NUL characters');

/** What every Memory's `add` accepts (the contracts' bounds: title 200, body 8,000, 20 citations). */
export const NewMemorySchema = z
  .strictObject({
    repo: z.string().min(1).max(300),
    kind: MemoryKind,
    userId: z.string().min(1).max(100).nullable().optional(),
    title: Text(MemoryTitle),
    body: Text(MemoryBody),
    category: ReviewCategory.nullable().optional(),
    citations: z.array(MemoryCitation).max(20),
    provenance: MemoryProvenance,
    pinned: z.boolean().optional(),
    dedupeKey: z.string().min(1).max(300).optional(),
    supersedes: z.string().min(1).max(100).optional(),
  })
  .refine((m) => m.kind !== 'user_preference' || Boolean(m.userId), {
    message: 'a user_preference needs the user it belongs to (userId)',
    path: ['userId'],
  });

/** What every Memory's `update` accepts. */
export const MemoryPatchSchema = z.strictObject({
  title: Text(MemoryTitle).optional(),
  body: Text(MemoryBody).optional(),
  category: ReviewCategory.nullable().optional(),
  citations: z.array(MemoryCitation).max(20).optional(),
  pinned: z.boolean().optional(),
});
export type MemoryPatch = z.infer<typeof MemoryPatchSchema>;

function invalid(what: string, error: z.ZodError): AppError {
  const details = error.issues.map((i) => ({ field: i.path.join('.') || what, message: i.message }));
  const first = details[0];
  return new AppError(
    'VALIDATION_ERROR',
    `invalid memory ${what}: ${first ? `${first.field}: ${first.message}` : 'bad input'}`,
    { details },
  );
}

/**
 * A record to add, checked against the contracts (bounds included): a VALIDATION_ERROR (an
 * {@link AppError}, a 400 at the API) when it does not fit; nothing is ever cut to fit.
 */
export function checkNewMemory(rec: NewMemory): NewMemory {
  const parsed = NewMemorySchema.safeParse(rec);
  if (!parsed.success) throw invalid('record', parsed.error);
  return parsed.data as NewMemory;
}

/** A patch for `update`, checked as {@link checkNewMemory} checks a record. */
export function checkMemoryPatch(patch: unknown): MemoryPatch {
  const parsed = MemoryPatchSchema.safeParse(patch);
  if (!parsed.success) throw invalid('change', parsed.error);
  return parsed.data;
}
