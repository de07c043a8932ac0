import { ForgeSpec, REDACTED, type RepoInfo, RepoSettings, redactGitUrl } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';

const RepoRow = z.object({
  repo: z.string(),
  forge: ForgeSpec,
  settings: RepoSettings,
  created_at: z.date(),
  updated_at: z.date(),
  credential_username: z.string().nullable().optional(),
  credential_updated_at: z.date().nullable().optional(),
});

/**
 * The repo with its credential as a marker only. The git URL is redacted here as well, so no
 * reader of a repo (API, orchestrator) sees userinfo even from a row written before credentials
 * were kept apart (start-up moves those; see secrets/move-url-credentials.ts).
 */
function toInfo(row: unknown): RepoInfo {
  const { credential_username, credential_updated_at, ...r } = RepoRow.parse(row);
  return {
    ...r,
    forge: r.forge.kind === 'git' ? { kind: 'git', url: redactGitUrl(r.forge.url) } : r.forge,
    credential: credential_updated_at
      ? {
          username: credential_username ?? null,
          token: REDACTED,
          updated_at: credential_updated_at.toISOString(),
        }
      : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const SELECT_REPOS = `SELECT r.*, c.username AS credential_username, c.updated_at AS credential_updated_at
  FROM repos r LEFT JOIN repo_credentials c ON c.repo = r.repo`;

export async function getRepo(db: Queryable, repo: string): Promise<RepoInfo | undefined> {
  const res = await db.query(`${SELECT_REPOS} WHERE r.repo = $1`, [repo]);
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}

export async function listRepos(db: Queryable): Promise<RepoInfo[]> {
  const res = await db.query(`${SELECT_REPOS} ORDER BY r.repo`);
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

/**
 * Plain-git repos whose stored URL still holds `...@` after its scheme, as stored (not redacted),
 * locked until the transaction ends: what the start-up pass moves into `repo_credentials`.
 */
export async function lockGitReposWithUserinfo(db: Queryable): Promise<{ repo: string; url: string }[]> {
  const res = await db.query<{ repo: string; url: string }>(
    `SELECT repo, forge->>'url' AS url FROM repos
     WHERE forge->>'kind' = 'git' AND forge->>'url' ~* '^[a-z][a-z0-9+.-]*://[^/?#]*@'
     ORDER BY repo FOR UPDATE`,
  );
  return res.rows;
}

/** Sets the URL of a plain-git repo, leaving its settings and `updated_at` alone. */
export async function setGitUrl(db: Queryable, repo: string, url: string): Promise<void> {
  await db.query('UPDATE repos SET forge = $2 WHERE repo = $1', [
    repo,
    JSON.stringify({ kind: 'git', url } satisfies ForgeSpec),
  ]);
}
