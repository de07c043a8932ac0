import { IdentityProvider, type LinkedIdentity, LinkIdentityRequest, UserId } from '@abca/contracts';
import { Hono } from 'hono';
import {
  findLinkedUser,
  linkIdentity,
  listIdentities,
  normalizeExternalId,
  unlinkIdentity,
} from '../../channels/identities.ts';
import { AppError } from '../../ops/errors.ts';
import type { Queryable } from '../../storage/db.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

/** GitHub logins: letters, digits and single hyphens, at most 39; Slack users: `<team id>:<user id>`. */
const EXTERNAL_ID_SHAPE: Record<IdentityProvider, { pattern: RegExp; example: string }> = {
  github: { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, example: 'octocat' },
  slack: { pattern: /^[A-Z0-9]{2,30}:[A-Z0-9]{2,30}$/i, example: 'T0001:U0002' },
};

function checkShape(provider: IdentityProvider, externalId: string, field: string): void {
  const shape = EXTERNAL_ID_SHAPE[provider];
  if (shape.pattern.test(externalId)) return;
  const what = provider === 'github' ? 'a GitHub login' : 'a Slack user as <team id>:<user id>';
  throw new AppError('VALIDATION_ERROR', `Invalid ${field}: must be ${what}, such as ${shape.example}.`, {
    details: [{ field, message: `must be ${what}` }],
  });
}

async function userExists(db: Queryable, userId: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM users WHERE user_id = $1', [userId])).rowCount ?? 0) > 0;
}

/**
 * A user's linked external identities (docs/channels.md "Linking identities"):
 * `GET /v1/users/{user}/identities`, `POST` `{provider, external_id}` to link,
 * `DELETE /v1/users/{user}/identities/{provider}/{external_id}` to unlink. An admin for any user,
 * a member may list and unlink their own but not link (nothing proves they own the account). A
 * channel's sender acts as the user their identity is linked to.
 */
export function userIdentityRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const target = async (
    c: { get(k: 'principal'): { role: string; userId: string } },
    raw: string | undefined,
  ) => {
    const principal = c.get('principal');
    const userId = readParam(raw, UserId, 'user_id');
    if (principal.role !== 'admin' && userId !== principal.userId) {
      throw new AppError('FORBIDDEN', "Only an admin can see or change another user's linked identities.");
    }
    if (!(await userExists(deps.db, userId))) {
      throw new AppError(
        'USER_NOT_FOUND',
        `No user ${userId}: users come with their first API key (\`abca keys create\`).`,
      );
    }
    return userId;
  };

  app.get('/:user/identities', async (c) => {
    const userId = await target(c, c.req.param('user'));
    return c.json({ data: await listIdentities(deps.db, userId) });
  });

  app.post('/:user/identities', async (c) => {
    // Linking says who a GitHub or Slack sender acts as (and whose budget they spend): nothing
    // here proves the member owns that account, so only an admin links.
    if (c.get('principal').role !== 'admin')
      throw new AppError(
        'FORBIDDEN',
        'Only an admin links identities (a link makes that account act as you); ask an admin to run `abca users link`.',
      );
    const userId = await target(c, c.req.param('user'));
    const body = await readBody(c, LinkIdentityRequest);
    checkShape(body.provider, body.external_id, 'external_id');
    const before = await findLinkedUser(deps.db, body.provider, body.external_id);
    const result = await linkIdentity(deps.db, body.provider, body.external_id, userId);
    if (result.kind === 'taken') {
      throw new AppError(
        'IDENTITY_TAKEN',
        `${body.provider} ${body.external_id} is already linked to user ${result.userId}; it is unlinked first (abca users unlink).`,
      );
    }
    const identity: LinkedIdentity = result.identity;
    c.get('log').info(
      { userId, provider: body.provider, externalId: identity.external_id },
      'identity linked',
    );
    return c.json({ data: identity }, before === userId ? 200 : 201);
  });

  app.delete('/:user/identities/:provider/:external_id', async (c) => {
    const userId = await target(c, c.req.param('user'));
    const provider = readParam(c.req.param('provider'), IdentityProvider, 'provider');
    const externalId = readParam(
      c.req.param('external_id'),
      LinkIdentityRequest.shape.external_id,
      'external_id',
    );
    const id = normalizeExternalId(provider, externalId);
    const linked = (await listIdentities(deps.db, userId)).find(
      (i) => i.provider === provider && i.external_id === id,
    );
    if (!linked || !(await unlinkIdentity(deps.db, provider, id, userId))) {
      throw new AppError('IDENTITY_NOT_FOUND', `${provider} ${id} is not linked to user ${userId}.`);
    }
    c.get('log').info({ userId, provider, externalId: id }, 'identity unlinked');
    return c.json({ data: linked });
  });
  return app;
}
