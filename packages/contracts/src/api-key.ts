import { z } from 'zod';

export const ROLES = ['admin', 'member'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const CreateApiKeyRequest = z.strictObject({
  name: z.string().trim().min(1).max(64),
  /** The user the key acts as; defaults to a new user named after the key. */
  user_id: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,100}$/, 'letters, digits and . _ @ - only, at most 100')
    .optional(),
  role: Role.default('member'),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const ApiKeyInfo = z.object({
  key_id: z.string(),
  name: z.string(),
  user_id: z.string(),
  role: Role,
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

/** Returned once at creation: the only time the secret is shown. */
export const CreatedApiKey = ApiKeyInfo.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
