import { IdentityProvider, Role } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';

/** A user as an admin sees them: role, live keys, and the channel identities that act as them. */
const UserRow = z.object({
  user_id: z.string(),
  role: Role,
  created_at: z.date(),
  live_keys: z.number().int(),
  identities: z.array(z.object({ provider: IdentityProvider, external_id: z.string() })),
});
export type UserSummary = z.infer<typeof UserRow>;

/** Every user, oldest first, with their live keys counted and their linked identities (one query). */
export async function listUsers(db: Queryable): Promise<UserSummary[]> {
  const res = await db.query(
    `SELECT u.user_id, u.role, u.created_at,
       (SELECT count(*)::int FROM api_keys k WHERE k.user_id = u.user_id AND k.revoked_at IS NULL) AS live_keys,
       COALESCE((SELECT json_agg(json_build_object('provider', i.provider, 'external_id', i.external_id)
                  ORDER BY i.provider, i.external_id)
                 FROM user_identities i WHERE i.user_id = u.user_id), '[]'::json) AS identities
     FROM users u ORDER BY u.created_at, u.user_id`,
  );
  return res.rows.map((r) => UserRow.parse(r));
}
