import { ForgeSpec, type RepoInfo, RepoSettings } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';

const RepoRow = z.object({
  repo: z.string(),
  forge: ForgeSpec,
  settings: RepoSettings,
  created_at: z.date(),
  updated_at: z.date(),
});

function toInfo(row: unknown): RepoInfo {
  const r = RepoRow.parse(row);
  return { ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() };
}

export async function getRepo(db: Queryable, repo: string): Promise<RepoInfo | undefined> {
  const res = await db.query('SELECT * FROM repos WHERE repo = $1', [repo]);
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}

export async function listRepos(db: Queryable): Promise<RepoInfo[]> {
  const res = await db.query('SELECT * FROM repos ORDER BY repo');
  return res.rows.map(toInfo);
}

/** Inserts a repo; returns undefined when it is already onboarded. */
export async function insertRepo(
  db: Queryable,
  input: { repo: string; forge: ForgeSpec; settings: RepoSettings },
): Promise<RepoInfo | undefined> {
  const res = await db.query(
    'INSERT INTO repos (repo, forge, settings) VALUES ($1, $2, $3) ON CONFLICT (repo) DO NOTHING RETURNING *',
    [input.repo, JSON.stringify(input.forge), JSON.stringify(input.settings)],
  );
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}

export async function deleteRepo(db: Queryable, repo: string): Promise<boolean> {
  const res = await db.query('DELETE FROM repos WHERE repo = $1', [repo]);
  return (res.rowCount ?? 0) > 0;
}

/** Replaces a repo's forge and settings (the caller merged them); undefined when it is not onboarded. */
export async function updateRepo(
  db: Queryable,
  repo: string,
  next: { forge: ForgeSpec; settings: RepoSettings },
): Promise<RepoInfo | undefined> {
  const res = await db.query(
    'UPDATE repos SET forge = $2, settings = $3, updated_at = now() WHERE repo = $1 RETURNING *',
    [repo, JSON.stringify(next.forge), JSON.stringify(next.settings)],
  );
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}
