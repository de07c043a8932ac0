import type { Queryable } from '../storage/db.ts';

/** Whether a learning pass already handled `key` (migration 018, `memory_learned`). */
export async function isLearned(db: Queryable, key: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM memory_learned WHERE key = $1', [key]);
  return res.rows.length > 0;
}

/** Marks `key` handled with what came of it; false when it already was (another pass got there). */
export async function markLearned(db: Queryable, key: string, result: string): Promise<boolean> {
  const res = await db.query(
    'INSERT INTO memory_learned (key, result) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
    [key, result.slice(0, 40)],
  );
  return (res.rowCount ?? 0) > 0;
}
