import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { startTestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/** The platform fades memory where workflows run: at start, with ABCA_MEMORY_FADE_DAYS. */
describe('memory fading in the platform', () => {
  it('removes records unused for ABCA_MEMORY_FADE_DAYS when it starts, and keeps the others', async () => {
    const databaseUrl = await createTestDatabase('fadeplat');
    const db = createPool(databaseUrl, 2);
    await migrate(db);
    const insert = (id: string, daysAgo: number) =>
      db.query(
        `INSERT INTO memory_records (id, repo, kind, title, body, provenance, created_at)
         VALUES ($1, 'acme/app', 'review_rule', 'A rule', 'Its body.', '{"source":"review"}',
                 now() - make_interval(days => $2))`,
        [id, daysAgo],
      );
    await insert('mem_stale', 40);
    await insert('mem_fresh', 20);
    const p = await startTestPlatform({ DATABASE_URL: databaseUrl, ABCA_MEMORY_FADE_DAYS: '30' });
    try {
      const ids = async () =>
        (await db.query<{ id: string }>('SELECT id FROM memory_records ORDER BY id')).rows.map((r) => r.id);
      await until('the start sweep', async () => !(await ids()).includes('mem_stale'), 60_000);
      expect(await ids()).toEqual(['mem_fresh']);
    } finally {
      await p.platform.stop();
      await db.end();
    }
  }, 120_000);
});
