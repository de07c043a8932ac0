import { z } from 'zod';

export const Pagination = z.object({ next_token: z.string().nullable(), has_more: z.boolean() });
export type Pagination = z.infer<typeof Pagination>;

export const ApiErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string(),
    /** Field-level problems of a VALIDATION_ERROR: dotted path -> message. */
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    /** How to fix it, where the server knows (onboarding failures name the CLI flag). */
    remedy: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export function dataEnvelope<T extends z.ZodType>(item: T) {
  return z.object({ data: item });
}

export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: Pagination });
}
