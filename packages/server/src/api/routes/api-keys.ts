import { CreateApiKeyRequest } from '@abca/contracts';
import { Hono } from 'hono';
import { listApiKeys } from '../../store/api-key-store.ts';
import { createKeyAs, KeyId, revokeKeyAs } from '../actions/api-key-actions.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

/**
 * API keys. An admin manages every key and may create keys for any user and role; a member lists,
 * creates and revokes only their own member keys (actions/api-key-actions.ts, shared with the
 * dashboard). Another user's key is 404, never 403, so key ids cannot be probed.
 */
export function apiKeyRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const body = await readBody(c, CreateApiKeyRequest);
    return c.json({ data: await createKeyAs(deps.db, c.get('principal'), body) }, 201);
  });
  app.get('/', async (c) => {
    const p = c.get('principal');
    const keys = await listApiKeys(deps.db, p.role === 'admin' ? undefined : p.userId);
    return c.json({ data: keys, pagination: { next_token: null, has_more: false } });
  });
  app.delete('/:id', async (c) => {
    const keyId = readParam(c.req.param('id'), KeyId, 'key_id');
    return c.json({ data: await revokeKeyAs(deps.db, c.get('principal'), keyId) });
  });
  return app;
}
