import { checkBubblewrap } from './bubblewrap.ts';
import type { Check, CheckResult, DoctorContext } from './check.ts';
import { checkConfig } from './config.ts';
import { checkGit } from './git.ts';
import { checkHostHelpers } from './host-helpers.ts';
import { checkModel } from './model.ts';
import { checkNode } from './node.ts';
import { checkPostgres } from './postgres.ts';
import { checkPostgresUser } from './postgres-user.ts';
import { checkSandboxSmoke } from './sandbox-smoke.ts';
import { inspectServer } from './server.ts';
import { checkSocat } from './socat.ts';

type NamedCheck = { name: string; run: Check };

/** What this machine needs to run ABCA, whichever server the CLI talks to. */
export const HOST_CHECKS: readonly NamedCheck[] = [
  { name: 'Node.js', run: checkNode },
  { name: 'git', run: checkGit },
  { name: 'host helpers', run: checkHostHelpers },
  { name: 'sandbox: bubblewrap', run: checkBubblewrap },
  { name: 'sandbox: socat', run: checkSocat },
  { name: 'sandbox: smoke run', run: checkSandboxSmoke },
];

/**
 * Judged from this shell's environment, so only when no server answers: they say what `abca serve`
 * here would do. With a server, its own configuration and model check replace them (this shell's
 * environment is not the server's: an unset ABCA_MODEL here says nothing about it).
 */
export const OFFLINE_CHECKS: readonly NamedCheck[] = [
  { name: 'configuration', run: checkConfig },
  { name: 'PostgreSQL', run: checkPostgres },
  { name: 'postgres OS user', run: checkPostgresUser },
  { name: 'model', run: checkModel },
];

/** Every check: this machine's, then the server's (each result says which machine it is about). */
export async function runChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const [host, server] = await Promise.all([
    runAll(HOST_CHECKS, ctx),
    inspectServer(ctx).catch(
      (err: unknown): Awaited<ReturnType<typeof inspectServer>> => ({
        reachable: false,
        config: undefined,
        results: [failed('server', err, 'server')],
      }),
    ),
  ]);
  const offline = server.reachable ? [] : await runAll(OFFLINE_CHECKS, ctx);
  return [...host, ...offline, ...server.results];
}

/** Runs checks concurrently; a check that throws is reported as failed, not as a crash. */
async function runAll(checks: readonly NamedCheck[], ctx: DoctorContext): Promise<CheckResult[]> {
  const results = await Promise.all(
    checks.map(async ({ name, run }): Promise<CheckResult | undefined> => {
      try {
        const r = await run(ctx);
        return r && { ...r, where: 'local' };
      } catch (err) {
        return failed(name, err, 'local');
      }
    }),
  );
  return results.filter((r): r is CheckResult => r !== undefined);
}

function failed(name: string, err: unknown, where: 'local' | 'server'): CheckResult {
  return {
    name,
    where,
    status: 'fail',
    detail: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`,
    fix: 'report this with ABCA_DEBUG=1 output',
  };
}
