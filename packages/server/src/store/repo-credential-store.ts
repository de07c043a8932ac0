import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';

/** A row of `repo_credentials`: the sealed secret and what may be shown of it. */
export const RepoCredentialRow = z.object({
  repo: z.string(),
  origin: z.string(),
  username: z.string().nullable(),
  key_id: z.string(),
  iv: z.instanceof(Buffer),
  ciphertext: z.instanceof(Buffer),
  auth_tag: z.instanceof(Buffer),
  created_at: z.date(),
  updated_at: z.date(),
});
export type RepoCredentialRow = z.infer<typeof RepoCredentialRow>;

export type RepoCredentialWrite = Omit<RepoCredentialRow, 'created_at' | 'updated_at'>;

export async function getRepoCredentialRow(
  db: Queryable,
  repo: string,
): Promise<RepoCredentialRow | undefined> {
  const res = await db.query('SELECT * FROM repo_credentials WHERE repo = $1', [repo]);
  return res.rows[0] ? RepoCredentialRow.parse(res.rows[0]) : undefined;
}

/** Stores or replaces the credential of a repo (which must be onboarded: the foreign key says so). */
export async function putRepoCredentialRow(db: Queryable, row: RepoCredentialWrite): Promise<void> {
  await db.query(
    `INSERT INTO repo_credentials (repo, origin, username, key_id, iv, ciphertext, auth_tag)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (repo) DO UPDATE SET origin = $2, username = $3, key_id = $4, iv = $5, ciphertext = $6,
       auth_tag = $7, updated_at = now()`,
    [row.repo, row.origin, row.username, row.key_id, row.iv, row.ciphertext, row.auth_tag],
  );
}

export async function deleteRepoCredentialRow(db: Queryable, repo: string): Promise<boolean> {
  const res = await db.query('DELETE FROM repo_credentials WHERE repo = $1', [repo]);
  return (res.rowCount ?? 0) > 0;
}

/** How many stored credentials each key sealed: a start-up check that this machine has the key. */
export async function countRepoCredentialsByKey(db: Queryable): Promise<Map<string, number>> {
  const res = await db.query<{ key_id: string; n: number }>(
    'SELECT key_id, count(*)::int AS n FROM repo_credentials GROUP BY key_id',
  );
  return new Map(res.rows.map((r) => [r.key_id, r.n]));
}
