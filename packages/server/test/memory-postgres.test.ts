import { createTestDatabase } from '../../../test/support/database.ts';
import { createPostgresMemory } from '../src/adapters/memory/postgres.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { runMemoryContract } from './memory-contract.ts';

runMemoryContract('postgres', async () => {
  const pool = createPool(await createTestDatabase('memory'), 4);
  await migrate(pool);
  return { memory: createPostgresMemory(pool), cleanup: () => pool.end() };
});
