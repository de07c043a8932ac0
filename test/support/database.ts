import pg from 'pg';
import { inject } from 'vitest';

/**
 * Creates a fresh, empty database on the test run's PostgreSQL and returns its URL. Every test file
 * (and every test that wants isolation) gets its own.
 */
export async function createTestDatabase(prefix = 't'): Promise<string> {
  const admin = inject('pgAdminUrl');
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}
