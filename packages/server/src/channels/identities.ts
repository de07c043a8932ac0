import type { IdentityProvider, LinkedIdentity } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';

/**
 * External identities linked to ABCA users (migration 011). A channel's sender acts as the linked
 * user, so per-user caps, budgets and ownership hold across channels. GitHub logins are compared
 * lower-cased (GitHub treats them so); Slack users are `<team id>:<user id>`.
 */
export function normalizeExternalId(provider: IdentityProvider, externalId: string): string {
  return provider === 'github' ? externalId.trim().toLowerCase() : externalId.trim();
}

export type LinkResult = { kind: 'linked'; identity: LinkedIdentity } | { kind: 'taken'; userId: string };

/** Links an identity to a user; `taken` when it is linked to another user already (unlink first). */
export async function linkIdentity(
  db: Queryable,
  provider: IdentityProvider,
  externalId: string,
  userId: string,
): Promise<LinkResult> {
  const id = normalizeExternalId(provider, externalId);
  const res = await db.query<{ user_id: string; created_at: Date }>(
    `INSERT INTO user_identities (provider, external_id, user_id) VALUES ($1, $2, $3)
     ON CONFLICT (provider, external_id) DO UPDATE SET user_id = user_identities.user_id
     RETURNING user_id, created_at`,
    [provider, id, userId],
  );
  const row = res.rows[0];
  if (!row) throw new Error('linkIdentity: no row returned');
  if (row.user_id !== userId) return { kind: 'taken', userId: row.user_id };
  return {
    kind: 'linked',
    identity: { provider, external_id: id, user_id: userId, created_at: row.created_at.toISOString() },
  };
}

/** Unlinks; false when the identity was not linked to this user. */
export async function unlinkIdentity(
  db: Queryable,
  provider: IdentityProvider,
  externalId: string,
  userId: string,
): Promise<boolean> {
  const res = await db.query(
    'DELETE FROM user_identities WHERE provider = $1 AND external_id = $2 AND user_id = $3',
    [provider, normalizeExternalId(provider, externalId), userId],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function listIdentities(db: Queryable, userId: string): Promise<LinkedIdentity[]> {
  const res = await db.query<{
    provider: IdentityProvider;
    external_id: string;
    user_id: string;
    created_at: Date;
  }>(
    'SELECT provider, external_id, user_id, created_at FROM user_identities WHERE user_id = $1 ORDER BY provider, external_id',
    [userId],
  );
  return res.rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
}

/** The ABCA user an external identity is linked to, if any. */
export async function findLinkedUser(
  db: Queryable,
  provider: IdentityProvider,
  externalId: string,
): Promise<string | undefined> {
  const res = await db.query<{ user_id: string }>(
    'SELECT user_id FROM user_identities WHERE provider = $1 AND external_id = $2',
    [provider, normalizeExternalId(provider, externalId)],
  );
  return res.rows[0]?.user_id;
}

export type SenderResolution =
  | { kind: 'linked'; userId: string }
  | { kind: 'default'; userId: string }
  | { kind: 'unlinked' };

/**
 * Who a channel's sender acts as: the linked user, else the operator's named default user for the
 * channel's unlinked senders (when set and existing), else nobody (the channel replies how to link).
 */
export async function resolveSender(
  db: Queryable,
  provider: IdentityProvider,
  externalId: string,
  unlinkedUser: string | undefined,
): Promise<SenderResolution> {
  const linked = await findLinkedUser(db, provider, externalId);
  if (linked) return { kind: 'linked', userId: linked };
  if (unlinkedUser) {
    const exists = await db.query('SELECT 1 FROM users WHERE user_id = $1', [unlinkedUser]);
    if (exists.rowCount) return { kind: 'default', userId: unlinkedUser };
  }
  return { kind: 'unlinked' };
}

/** How an unlinked sender links, for the channel's reply. */
export function howToLink(provider: IdentityProvider, externalId: string): string {
  return `Your ${provider === 'github' ? 'GitHub account' : 'Slack user'} (${externalId}) is not linked to an ABCA user. An ABCA admin links it with \`abca users link <user> --${provider} ${externalId}\`.`;
}
