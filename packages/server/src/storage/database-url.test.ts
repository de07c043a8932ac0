import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { localServerUrl, withDatabase } from './database-url.ts';

/** What pg makes of a connection string (the client parses it when made; nothing connects). */
const parse = (connectionString: string) => {
  const client = new pg.Client({ connectionString }) as unknown as {
    connectionParameters: Record<string, unknown>;
  };
  const p = client.connectionParameters;
  return {
    host: p.host,
    port: String(p.port),
    user: p.user,
    password: p.password,
    database: p.database,
    options: p.options,
  };
};

const server = { user: 'postgres', password: 'p@ss/w:rd', port: 5433, database: 'abca' };

describe('database URLs', () => {
  it('names another database of the same server, keeping the socket, the password and the options', () => {
    const url = `${localServerUrl({ ...server, socketDir: '/tmp/abca/pg/data' })}&options=-c%20a%3Db`;
    const other = parse(withDatabase(url, 'abca_test_1'));
    expect(other).toMatchObject({
      database: 'abca_test_1',
      host: '/tmp/abca/pg/data',
      user: 'postgres',
      password: 'p@ss/w:rd',
      port: '5433',
      options: '-c a=b',
    });
  });

  it("reaches a local server through its Unix socket, or over TCP when the socket's path is too long", () => {
    expect(parse(localServerUrl({ ...server, socketDir: '/var/lib/abca/data-0123/data' }))).toMatchObject({
      host: '/var/lib/abca/data-0123/data',
      port: '5433',
      database: 'abca',
      password: 'p@ss/w:rd',
    });
    // sun_path holds 107 bytes: `<dir>/.s.PGSQL.5433` must fit.
    const fits = `/${'d'.repeat(107 - '/.s.PGSQL.5433'.length - 1)}`;
    expect(parse(localServerUrl({ ...server, socketDir: fits })).host).toBe(fits);
    expect(parse(localServerUrl({ ...server, socketDir: `${fits}x` })).host).toBe('127.0.0.1');
    expect(parse(localServerUrl(server)).host).toBe('127.0.0.1');
  });

  it("the test run's embedded PostgreSQL is reached through its socket, and still listens on 127.0.0.1", async () => {
    const url = inject('pgAdminUrl');
    const ask = async (connectionString: string) => {
      const c = new pg.Client({ connectionString });
      await c.connect();
      try {
        return (await c.query<{ addr: string | null }>('SELECT inet_server_addr()::text AS addr')).rows[0]
          ?.addr;
      } finally {
        await c.end();
      }
    };
    expect(new URL(url).searchParams.get('host')).toMatch(/^\//);
    expect(await ask(url)).toBeNull();
    const tcp = new URL(url);
    tcp.searchParams.delete('host');
    expect(await ask(tcp.toString())).toBe('127.0.0.1/32');
  });
});
