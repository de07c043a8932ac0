import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@abca/contracts';
import type { Queryable } from '../storage/db.ts';
import type { Principal } from '../store/api-key-store.ts';

/** How long a session lives without use; each use moves it on (at most once a minute). */
export const SESSION_IDLE_S = 12 * 3600;

export interface Session {
  principal: Principal;
  csrfToken: string;
}

function hash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** A new session for the key's user: returns the id the cookie carries (stored only as a hash). */
export async function createSession(
  db: Queryable,
  keyId: string,
): Promise<{ id: string; csrfToken: string }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO dashboard_sessions (session_hash, key_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4))`,
    [hash(id), keyId, csrfToken, SESSION_IDLE_S],
  );
  // Expired sessions go when new ones come.
  await db.query('DELETE FROM dashboard_sessions WHERE expires_at < clock_timestamp()');
  return { id, csrfToken };
}

/**
 * The live session with this id: not expired, its key not revoked, its user still there. Undefined
 * otherwise (the page then asks to sign in again). A use moves the expiry on.
 */
export async function readSession(db: Queryable, id: string): Promise<Session | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const res = await db.query<{
    key_id: string;
    user_id: string;
    role: Role;
    csrf_token: string;
    stale: boolean;
  }>(
    `SELECT s.key_id, k.user_id, u.role, s.csrf_token, s.last_seen_at < clock_timestamp() - interval '1 minute' AS stale
     FROM dashboard_sessions s JOIN api_keys k USING (key_id) JOIN users u ON u.user_id = k.user_id
     WHERE s.session_hash = $1 AND s.expires_at > clock_timestamp() AND k.revoked_at IS NULL`,
    [hash(id)],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  if (row.stale) {
    await db.query(
      `UPDATE dashboard_sessions SET last_seen_at = clock_timestamp(),
         expires_at = clock_timestamp() + make_interval(secs => $2) WHERE session_hash = $1`,
      [hash(id), SESSION_IDLE_S],
    );
  }
  return { principal: { userId: row.user_id, role: row.role, keyId: row.key_id }, csrfToken: row.csrf_token };
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM dashboard_sessions WHERE session_hash = $1', [hash(id)]);
}
