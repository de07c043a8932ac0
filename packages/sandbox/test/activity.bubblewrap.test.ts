import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveLateWriter, waitFor } from '../src/contract.ts';
import { createBubblewrapBackend, type Sandbox, sameActivity } from '../src/index.ts';

const backend = createBubblewrapBackend();
const hasGdb = existsSync('/usr/bin/gdb');

/**
 * The sandbox's mark of what ran in it (Sandbox.activity): equal marks are a promise that nothing
 * in the sandbox wrote anything in between, which a caller may act on (finalization then skips
 * taking the work out again). So it must change for every way something can run, including a
 * process that outlives its command by living in the sandbox's own long-lived process.
 */
describe('what ran in a bubblewrap sandbox', () => {
  let root: string;
  const sandboxes: Sandbox[] = [];
  async function sandbox(name: string) {
    const dir = mkdtempSync(join(root, `${name}-`));
    const made = await backend.create({ taskId: `act-${name}-${process.pid}`, workspaceDir: dir });
    sandboxes.push(made);
    return { sandbox: made, dir };
  }
  const run = async (sb: Sandbox, command: string) => {
    const res = await sb.exec(command, { timeoutMs: 60_000 });
    expect(res.exitCode, `${command}\n${res.stderr}`).toBe(0);
    return res.stdout;
  };

  beforeAll(async () => {
    const availability = await backend.available();
    if (!availability.ok)
      throw new Error(`bubblewrap unavailable: ${availability.reason}. Fix: ${availability.remedy}`);
    root = mkdtempSync(join(tmpdir(), 'abca-activity-'));
  });
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.stop()));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('gives the same mark twice when nothing ran, and a new one after a command or a file write', async () => {
    const { sandbox: sb } = await sandbox('idle');
    await run(sb, 'echo hello > a.txt');
    const first = await sb.activity?.();
    expect(first).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    const again = await sb.activity?.();
    expect(sameActivity(first, again)).toBe(true);
    // A command that writes nothing still counts: it could have.
    await run(sb, 'true');
    const afterCommand = await sb.activity?.();
    expect(afterCommand?.commands).toBe((first?.commands ?? 0) + 1);
    expect(sameActivity(again, afterCommand)).toBe(false);
    await sb.writeFile('b.txt', 'x');
    expect(sameActivity(afterCommand, await sb.activity?.())).toBe(false);
  });

  it('gives no mark while a command runs, nor once the sandbox is stopped', async () => {
    const { sandbox: sb } = await sandbox('busy');
    const long = sb.exec('sleep 30', { timeoutMs: 60_000 });
    // Until the command has started (its launch is under way at once).
    expect(await sb.activity?.()).toBeUndefined();
    await sb.stop();
    await long;
    expect(await sb.activity?.()).toBeUndefined();
  });

  it.skipIf(!hasGdb)(
    'changes when a process a command left in the sandbox main process writes after the command ended',
    async () => {
      const { sandbox: sb, dir } = await sandbox('ptrace');
      // A process in no command's cgroup, stopped until the host lets it write (see leaveLateWriter).
      const writer = await leaveLateWriter(sb, '/workspace/late.txt', 'late');
      const before = await sb.activity?.();
      expect(before).toBeDefined();
      await new Promise((r) => setTimeout(r, 100));
      expect(sameActivity(before, await sb.activity?.())).toBe(true);
      writer.release();
      await waitFor(() => existsSync(join(dir, 'late.txt')), 30_000, 'the late write');
      expect(readFileSync(join(dir, 'late.txt'), 'utf8')).toBe('late\n');
      // No command started since, but something ran: the marks differ.
      let after: Awaited<ReturnType<NonNullable<Sandbox['activity']>>>;
      await waitFor(
        async () => {
          after = await sb.activity?.();
          return after !== undefined;
        },
        10_000,
        'a mark',
      );
      expect(after?.commands).toBe(before?.commands);
      expect(sameActivity(before, after)).toBe(false);
    },
  );
});
