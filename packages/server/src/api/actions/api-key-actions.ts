import type { ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey } from '@abca/contracts';
import { z } from 'zod';
import { AppError } from '../../ops/errors.ts';
import type { Queryable } from '../../storage/db.ts';
import { createApiKey, getApiKey, type Principal, revokeApiKey } from '../../store/api-key-store.ts';

/**
 * API keys, whoever asks (`/v1/api-keys` and the dashboard's admin page). An admin manages every
 * key and may create keys for any user and role; a member creates and revokes only their own member
 * keys. Another user's key is 404, never 403, so key ids cannot be probed.
 */

/** A key id in a path (any case). */
export const KeyId = z
  .string()
  .regex(/^[0-9A-Z]{26}$/i, 'must be a key id (26 characters)')
  .transform((s) => s.toUpperCase());

/** Creates a key: the answer holds the secret, the one time it is shown. */
export async function createKeyAs(
  db: Queryable,
  p: Principal,
  body: CreateApiKeyRequest,
): Promise<CreatedApiKey> {
  const userId =
    body.user_id ??
    (p.role === 'admin' ? `user-${body.name.toLowerCase().replace(/[^a-z0-9._@-]+/g, '-')}` : p.userId);
  if (p.role !== 'admin' && (userId !== p.userId || body.role === 'admin')) {
    throw new AppError('FORBIDDEN', 'A member can only create member keys for themselves.');
  }
  const existing = await db.query<{ role: string }>('SELECT role FROM users WHERE user_id = $1', [userId]);
  const role = existing.rows[0]?.role;
  if (role && role !== body.role && body.user_id) {
    throw new AppError('VALIDATION_ERROR', `User ${userId} already exists with role ${role}.`, {
      details: [{ field: 'role', message: `user ${userId} has role ${role}` }],
    });
  }
  const created = await createApiKey(db, {
    name: body.name,
    userId,
    role: (role as 'admin' | 'member') ?? body.role,
  });
  return { ...created.info, key: created.key };
}

/** Revokes a key the principal may see; API_KEY_NOT_FOUND otherwise, VALIDATION_ERROR when revoked. */
export async function revokeKeyAs(db: Queryable, p: Principal, keyId: string): Promise<ApiKeyInfo> {
  const key = await getApiKey(db, keyId);
  if (!key || (p.role !== 'admin' && key.user_id !== p.userId))
    throw new AppError('API_KEY_NOT_FOUND', `No API key ${keyId}.`);
  if (!(await revokeApiKey(db, keyId)))
    throw new AppError('VALIDATION_ERROR', `API key ${keyId} is already revoked.`);
  return { ...key, revoked_at: new Date().toISOString() };
}
