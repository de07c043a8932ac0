import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyInfo, Role } from '@abca/contracts';
import { newUlid } from '../ops/ids.ts';
import type { Queryable } from '../storage/db.ts';

/** Keys look like `abca_<key id>_<secret>`; only a SHA-256 of the secret is stored. */
const KEY_RE = /^abca_([0-9A-Z]{26})_([A-Za-z0-9_-]{43})$/;

export interface Principal {
  userId: string;
  role: Role;
  keyId: string;
}

/** SHA-256 in one call (no Hash object: the check runs on every request). */
function hashSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

interface KeyRow {
  key_id: string;
  name: string;
  user_id: string;
  role: Role;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function toInfo(r: KeyRow): ApiKeyInfo {
  return {
    key_id: r.key_id,
    name: r.name,
    user_id: r.user_id,
    role: r.role,
    prefix: `abca_${r.key_id}_`,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
    revoked_at: r.revoked_at?.toISOString() ?? null,
  };
}

const KEY_SELECT = `SELECT k.key_id, k.name, k.user_id, u.role, k.created_at, k.last_used_at, k.revoked_at
  FROM api_keys k JOIN users u USING (user_id)`;

/** Creates a key (and its user when new). A user keeps the role it was created with. */
export async function createApiKey(
  db: Queryable,
  input: { name: string; userId: string; role: Role },
): Promise<{ info: ApiKeyInfo; key: string }> {
  await db.query('INSERT INTO users (user_id, role) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [
    input.userId,
    input.role,
  ]);
  const keyId = newUlid();
  const secret = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO api_keys (key_id, name, user_id, secret_hash) VALUES ($1, $2, $3, $4)', [
    keyId,
    input.name,
    input.userId,
    hashSecret(secret).toString('hex'),
  ]);
  const res = await db.query<KeyRow>(`${KEY_SELECT} WHERE k.key_id = $1`, [keyId]);
  return { info: toInfo(res.rows[0] as KeyRow), key: `abca_${keyId}_${secret}` };
}

/**
 * How long this process trusts a key it has looked up before it reads the key again. A key revoked
 * through this process stops working at once (the revocation drops it here); one revoked through
 * another process stops working here within this bound (docs/api.md).
 */
export const KEY_CACHE_MS = 5000;
/** How often this process records a key's use (`last_used_at`): coarse on purpose. */
const LAST_USED_MS = 60_000;
const KEY_CACHE_MAX = 10_000;

interface CachedKey {
  /** The database the key was read from: a platform never trusts a key read from another one. */
  db: Queryable;
  secretHash: Buffer;
  userId: string;
  role: Role;
  fetchedAt: number;
  lastUsedWrittenAt: number;
}

/** Keys this process looked up lately, by key id; only valid keys are kept. */
const keyCache = new Map<string, CachedKey>();
/** Bumped by each revocation here: a read that overlapped one is used once, never cached. */
let revocations = 0;

/** Forgets every key this process has cached (tests; a revocation forgets its own key). */
export function clearKeyCache(): void {
  keyCache.clear();
}

async function lookUpKey(db: Queryable, keyId: string, now: number): Promise<CachedKey | undefined> {
  const hit = keyCache.get(keyId);
  if (hit && hit.db === db && now - hit.fetchedAt < KEY_CACHE_MS) return hit;
  const seen = revocations;
  const res = await db.query<{ secret_hash: string; user_id: string; role: Role }>({
    name: 'abca_authenticate',
    text: `SELECT k.secret_hash, k.user_id, u.role FROM api_keys k JOIN users u USING (user_id)
     WHERE k.key_id = $1 AND k.revoked_at IS NULL`,
    values: [keyId],
  });
  const row = res.rows[0];
  if (!row) {
    keyCache.delete(keyId);
    return undefined;
  }
  if (keyCache.size >= KEY_CACHE_MAX) {
    for (const [id, k] of keyCache) if (now - k.fetchedAt >= KEY_CACHE_MS) keyCache.delete(id);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  }
  const entry: CachedKey = {
    db,
    secretHash: Buffer.from(row.secret_hash, 'hex'),
    userId: row.user_id,
    role: row.role,
    fetchedAt: now,
    lastUsedWrittenAt: hit?.db === db ? hit.lastUsedWrittenAt : 0,
  };
  if (seen === revocations) keyCache.set(keyId, entry);
  return entry;
}

/**
 * Resolves a presented key to its principal, comparing hashes in constant time. A valid key is
 * kept for {@link KEY_CACHE_MS} so a busy client costs no read per request; the secret is checked
 * against the stored hash on every call.
 */
export async function authenticate(db: Queryable, presented: string): Promise<Principal | undefined> {
  const m = KEY_RE.exec(presented);
  if (!m) return undefined;
  const [, keyId, secret] = m as unknown as [string, string, string];
  const now = Date.now();
  const key = await lookUpKey(db, keyId, now);
  const expected = key ? key.secretHash : Buffer.alloc(32);
  const ok = timingSafeEqual(expected, hashSecret(secret)) && key !== undefined;
  if (!ok || !key) return undefined;
  if (now - key.lastUsedWrittenAt >= LAST_USED_MS) {
    key.lastUsedWrittenAt = now;
    // Best effort and coarse (once a minute) so authentication stays cheap.
    void db
      .query(
        `UPDATE api_keys SET last_used_at = now() WHERE key_id = $1
         AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [keyId],
      )
      .catch(() => {});
  }
  return { userId: key.userId, role: key.role, keyId };
}

export async function listApiKeys(db: Queryable, userId?: string): Promise<ApiKeyInfo[]> {
  const res = await db.query<KeyRow>(
    `${KEY_SELECT} ${userId ? 'WHERE k.user_id = $1' : ''} ORDER BY k.created_at DESC`,
    userId ? [userId] : [],
  );
  return res.rows.map(toInfo);
}

export async function getApiKey(db: Queryable, keyId: string): Promise<ApiKeyInfo | undefined> {
  const res = await db.query<KeyRow>(`${KEY_SELECT} WHERE k.key_id = $1`, [keyId]);
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}

/**
 * Revokes a key; returns false when it was already revoked. This process forgets the key at once;
 * other processes within {@link KEY_CACHE_MS}.
 */
export async function revokeApiKey(db: Queryable, keyId: string): Promise<boolean> {
  keyCache.delete(keyId);
  revocations += 1;
  const res = await db.query(
    'UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL',
    [keyId],
  );
  // Again after the write: a read that started before it must not be kept.
  revocations += 1;
  keyCache.delete(keyId);
  return (res.rowCount ?? 0) > 0;
}

export async function countAdminKeys(db: Queryable): Promise<number> {
  const res = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM api_keys k JOIN users u USING (user_id) WHERE u.role = 'admin' AND k.revoked_at IS NULL",
  );
  return res.rows[0]?.n ?? 0;
}

/** The ids of every user, sorted (an admin's filters name them); at most `limit`. */
export async function listUserIds(db: Queryable, limit = 1000): Promise<string[]> {
  const res = await db.query<{ user_id: string }>('SELECT user_id FROM users ORDER BY user_id LIMIT $1', [
    limit,
  ]);
  return res.rows.map((r) => r.user_id);
}
