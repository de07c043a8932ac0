import { CreateApiKeyRequest } from '@abca/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../ops/errors.ts';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../store/api-key-store.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

const KeyId = z
  .string()
  .regex(/^[0-9A-Z]{26}$/i, 'must be a key id (26 characters)')
  .transform((s) => s.toUpperCase());

/**
 * API keys. An admin manages every key and may create keys for any user and role; a member lists,
 * creates and revokes only their own member keys. Another user's key is 404, never 403, so key ids
 * cannot be probed.
 */
export function apiKeyRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const p = c.get('principal');
    const body = await readBody(c, CreateApiKeyRequest);
    const userId =
      body.user_id ??
      (p.role === 'admin' ? `user-${body.name.toLowerCase().replace(/[^a-z0-9._@-]+/g, '-')}` : p.userId);
    if (p.role !== 'admin' && (userId !== p.userId || body.role === 'admin')) {
      throw new AppError('FORBIDDEN', 'A member can only create member keys for themselves.');
    }
    const existing = await deps.db.query<{ role: string }>('SELECT role FROM users WHERE user_id = $1', [
      userId,
    ]);
    const role = existing.rows[0]?.role;
    if (role && role !== body.role && body.user_id) {
      throw new AppError('VALIDATION_ERROR', `User ${userId} already exists with role ${role}.`, {
        details: [{ field: 'role', message: `user ${userId} has role ${role}` }],
      });
    }
    const created = await createApiKey(deps.db, {
      name: body.name,
      userId,
      role: (role as 'admin' | 'member') ?? body.role,
    });
    return c.json({ data: { ...created.info, key: created.key } }, 201);
  });
  app.get('/', async (c) => {
    const p = c.get('principal');
    const keys = await listApiKeys(deps.db, p.role === 'admin' ? undefined : p.userId);
    return c.json({ data: keys, pagination: { next_token: null, has_more: false } });
  });
  app.delete('/:id', async (c) => {
    const p = c.get('principal');
    const keyId = readParam(c.req.param('id'), KeyId, 'key_id');
    const key = await getApiKey(deps.db, keyId);
    if (!key || (p.role !== 'admin' && key.user_id !== p.userId))
      throw new AppError('API_KEY_NOT_FOUND', `No API key ${keyId}.`);
    if (!(await revokeApiKey(deps.db, keyId)))
      throw new AppError('VALIDATION_ERROR', `API key ${keyId} is already revoked.`);
    return c.json({ data: { ...key, revoked_at: new Date().toISOString() } });
  });
  return app;
}
