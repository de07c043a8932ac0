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
import { checkServer } from './server.ts';
import { checkSocat } from './socat.ts';

/** Every check, in the order they are shown. */
export const CHECKS: readonly { name: string; run: Check }[] = [
  { name: 'Node.js', run: checkNode },
  { name: 'git', run: checkGit },
  { name: 'host helpers', run: checkHostHelpers },
  { name: 'configuration', run: checkConfig },
  { name: 'PostgreSQL', run: checkPostgres },
  { name: 'postgres OS user', run: checkPostgresUser },
  { name: 'sandbox: bubblewrap', run: checkBubblewrap },
  { name: 'sandbox: socat', run: checkSocat },
  { name: 'sandbox: smoke run', run: checkSandboxSmoke },
  { name: 'model', run: checkModel },
  { name: 'server', run: checkServer },
];

/** Runs the checks concurrently; a check that throws is reported as failed, not as a crash. */
export async function runChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const results = await Promise.all(
    CHECKS.map(async ({ name, run }): Promise<CheckResult | undefined> => {
      try {
        return await run(ctx);
      } catch (err) {
        return {
          name,
          status: 'fail',
          detail: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`,
          fix: 'report this with ABCA_DEBUG=1 output',
        };
      }
    }),
  );
  return results.filter((r): r is CheckResult => r !== undefined);
}
