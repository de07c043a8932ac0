import { readFile } from 'node:fs/promises';
import { APPROVAL_GATE_NAMES, type Approval } from '@abca/contracts';
import type { Command } from 'commander';
import { pendingApprovalLines } from '../approval-view.ts';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatAge, table, truncate } from '../output.ts';
import { plain } from './pr-review.ts';

interface ApproveFlags extends ClientFlags {
  reason?: string;
  planFile?: string;
  approval?: string;
}
interface DenyFlags extends ClientFlags {
  reason?: string;
  approval?: string;
}

const GATE_NAMES = APPROVAL_GATE_NAMES;

const APPROVE_HELP = `
A task whose repo has approval gates (repo setting \`approvals\`) waits in AWAITING_APPROVAL until
someone decides: its owner or an admin. \`abca approvals <task-id>\` shows what it asks.

Examples:
  $ abca approve 01J9Z3K8Q2W5V7X1Y4T6R8N0MB
  $ abca approve 01J9Z3K8Q2W5V7X1Y4T6R8N0MB --reason "Checked the diff"
  $ abca approve 01J9Z3K8Q2W5V7X1Y4T6R8N0MB --plan-file edited-plan.md   # a plan, edited
  $ $EDITOR plan.md && abca approve 01J9Z3K8Q2W5V7X1Y4T6R8N0MB --plan-file - < plan.md

A task no longer waiting (decided elsewhere, expired, cancelled) is an APPROVAL_NOT_PENDING
error, exit 1.
`;

const DENY_HELP = `
The reason is required: the agent reads it (a plan or a tool call is tried again with it in mind)
and it is kept in the task's events. A denied push ends the task FAILED with APPROVAL_DENIED.

Example:
  $ abca deny 01J9Z3K8Q2W5V7X1Y4T6R8N0MB --reason "Do not touch the migrations; add a new one."
`;

/** `abca approve`, `abca deny` and `abca approvals`: the approval gates from the command line. */
export function registerApprovals(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('approve')
      .summary('approve the request a task waits on (a plan may be edited)')
      .argument('<task-id>', 'the task id')
      .option('--reason <text>', 'why (kept in the task events)')
      .option('--plan-file <path>', 'a plan gate: follow this edited plan instead (a file, or - for stdin)')
      .option('--approval <id>', 'decide only this request (apr_...), not whatever the task waits on now'),
  )
    .addHelpText('after', APPROVE_HELP)
    .action(async (taskId: string, flags: ApproveFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const reason = flags.reason === undefined ? undefined : nonEmpty(flags.reason, '--reason');
        const plan = flags.planFile === undefined ? undefined : await readPlan(flags.planFile);
        const approval = await (await ctx.client()).approve(taskId, {
          ...(flags.approval ? { approval_id: flags.approval } : {}),
          ...(reason ? { reason } : {}),
          ...(plan ? { plan } : {}),
        });
        if (ctx.out.json) ctx.out.printJson(approval);
        else
          ctx.out.out(
            `${ctx.out.c.green('✓')} Approved the ${GATE_NAMES[approval.gate]}${approval.edited_plan ? ' with your edited plan' : ''} of task ${ctx.out.c.bold(taskId)} (${approval.approval_id}); it resumes as soon as a slot is free. Follow it with \`abca watch ${taskId}\`.`,
          );
        return EXIT.OK;
      }),
    );

  withClientOptions(
    program
      .command('deny')
      .summary('deny the request a task waits on, with a reason the agent reads')
      .argument('<task-id>', 'the task id')
      .option('--reason <text>', 'why (required): the agent reads it; it is kept in the task events')
      .option('--approval <id>', 'decide only this request (apr_...), not whatever the task waits on now'),
  )
    .addHelpText('after', DENY_HELP)
    .action(async (taskId: string, flags: DenyFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        if (flags.reason === undefined)
          throw new CliError('`abca deny` needs --reason <text>: say why, the agent reads it.', EXIT.USAGE, {
            hint: `For example: abca deny ${taskId} --reason "Do not push on Fridays"`,
          });
        const reason = nonEmpty(flags.reason, '--reason');
        const approval = await (await ctx.client()).deny(taskId, {
          ...(flags.approval ? { approval_id: flags.approval } : {}),
          reason,
        });
        if (ctx.out.json) ctx.out.printJson(approval);
        else
          ctx.out.out(
            `${ctx.out.c.red('✗')} Denied the ${GATE_NAMES[approval.gate]} of task ${ctx.out.c.bold(taskId)} (${approval.approval_id}).${approval.gate === 'push' ? ' The task ends FAILED (APPROVAL_DENIED); nothing is pushed.' : ' The agent reads your reason and goes on.'}`,
          );
        return EXIT.OK;
      }),
    );

  withClientOptions(
    program
      .command('approvals')
      .summary("list a task's approval requests and how each was decided")
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const list = await (await ctx.client()).listApprovals(taskId);
      if (ctx.out.json) {
        ctx.out.printJson(list);
        return EXIT.OK;
      }
      if (list.length === 0) {
        ctx.out.out(`Task ${taskId} has asked for no approval.`);
        return EXIT.OK;
      }
      const c = ctx.out.c;
      for (const line of table(
        ['ID', 'GATE', 'STATE', 'ASKED', 'DECIDED BY', 'CHANNEL', 'REASON'],
        list.map((a) => row(a)),
        c,
      ))
        ctx.out.out(line);
      const pending = list.find((a) => a.state === 'pending');
      if (pending) {
        ctx.out.out();
        for (const line of pendingApprovalLines(taskId, pending, c)) ctx.out.out(line);
      }
      return EXIT.OK;
    }),
  );
}

function row(a: Approval): string[] {
  return [
    a.approval_id,
    GATE_NAMES[a.gate],
    a.state,
    `${formatAge(a.created_at)} ago`,
    a.decided_by ? plain(a.decided_by) : '-',
    a.channel ?? '-',
    a.reason ? plain(truncate(a.reason, 60)) : a.edited_plan ? '(edited plan)' : '-',
  ];
}

function nonEmpty(value: string, flag: string): string {
  const v = value.trim();
  if (!v) throw new CliError(`${flag} is empty: give the text after it.`, EXIT.USAGE);
  return v;
}

async function readPlan(file: string): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `Cannot read the plan ${file === '-' ? 'from stdin' : file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      EXIT.USAGE,
      { hint: 'Give --plan-file a readable file, or - to read the plan from stdin.' },
    );
  }
  if (!text.trim())
    throw new CliError(`The plan ${file === '-' ? 'from stdin' : `in ${file}`} is empty.`, EXIT.USAGE, {
      hint: 'Leave out --plan-file to approve the plan as proposed.',
    });
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
