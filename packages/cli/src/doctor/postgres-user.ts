import { type Check, probe } from './check.ts';

/** As root, initdb refuses to run, so the embedded PostgreSQL runs as the `postgres` OS user. */
export const checkPostgresUser: Check = async ({ env }) => {
  if (env.DATABASE_URL?.trim() || process.getuid?.() !== 0) return undefined;
  const id = await probe('id', ['-u', 'postgres']);
  if (id.code === 0)
    return { name: 'postgres OS user', status: 'ok', detail: `exists (uid ${id.output.trim()})` };
  const useradd = await probe('useradd', ['--help']);
  if (!useradd.missing) {
    return {
      name: 'postgres OS user',
      status: 'ok',
      detail: 'missing; `abca serve` creates it on first start (useradd is available)',
    };
  }
  return {
    name: 'postgres OS user',
    status: 'fail',
    detail:
      'running as root, the embedded PostgreSQL needs a "postgres" user, and useradd is not available to create it',
    fix: 'create the user (adduser --system --group postgres), run ABCA as a normal user, or set DATABASE_URL',
  };
};
