import { type TaskFailureCode, TaskFailureCode as TaskFailureCodeSchema } from '@abca/contracts';
import type { AgentOutcome, AgentRuntime, AgentUsage } from '../../ports/agent-runtime.ts';
import type { FakeEffects } from '../fake-effects.ts';

/**
 * Directives a task description may carry to steer the fake agent, e.g.
 * `[fake:turns=3] [fake:turn_ms=500] [fake:sleep=2000] [fake:fail=AGENT_STUCK] [fake:outcome=max_turns] [fake:preflight=SANDBOX_UNAVAILABLE]`.
 */
export function parseFakeDirectives(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/\[fake:([a-z_-]+)=([^\]\s]+)\]/g))
    out[m[1] as string] = m[2] as string;
  return out;
}

const OUTCOMES: AgentOutcome[] = [
  'completed',
  'max_turns',
  'budget_exceeded',
  'stuck',
  'timed_out',
  'failed',
];

/**
 * An agent runtime with no model: it plays turns, reads nudges, reports usage and makes one real
 * commit in the task's workspace through the sandbox (recorded as an effect). It resumes like the
 * real one: a commit already in the workspace is not made again.
 */
export function createFakeAgentRuntime(deps: { effects: FakeEffects; turnDelayMs?: number }): AgentRuntime {
  const { effects } = deps;
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  return {
    kind: 'fake',
    async preflight(task, _settings) {
      const code = parseFakeDirectives(task.task_description).preflight;
      if (code) {
        const parsed = TaskFailureCodeSchema.safeParse(code);
        return {
          ok: false,
          code: parsed.success ? parsed.data : 'SANDBOX_UNAVAILABLE',
          message: 'fake pre-flight failure',
        };
      }
      return { ok: true };
    },
    async run(input) {
      const { task, signal } = input;
      // The stop's deadline cuts a turn short like a cancellation, but the run resumes later.
      const cut = input.interrupt ? AbortSignal.any([signal, input.interrupt]) : signal;
      const interrupted = () => ({ outcome: 'interrupted' as const, summary: '', usage });
      const d = parseFakeDirectives(task.task_description);
      const turns = Math.max(1, Math.min(Number(d.turns ?? 2) || 2, task.max_turns));
      const done = (await effects.list(task.task_id)).find((e) => e.effect === 'agent.commit');
      const usage: AgentUsage = (done?.detail.usage as AgentUsage | undefined) ?? {
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        turns: 0,
      };
      for (let turn = done ? turns : 1; turn <= turns && !done; turn++) {
        if (signal.aborted) break;
        // A graceful stop: the turns made so far are kept (as reported usage); a later run goes on.
        if (input.drain?.aborted) return interrupted();
        await input.emit('turn_started', { turn });
        for (const nudge of await input.readNudges())
          await input.emit('nudge_received', { turn, message: nudge });
        await wait(Number(d.turn_ms ?? deps.turnDelayMs ?? 0), cut);
        if (input.interrupt?.aborted && !signal.aborted) return interrupted();
        usage.inputTokens += 1000;
        usage.outputTokens += 200;
        usage.costUsd = Math.round(((usage.inputTokens * 3 + usage.outputTokens * 15) / 1e6) * 1e6) / 1e6;
        usage.turns = turn;
        await input.emit('model_call', { turn, input_tokens: 1000, output_tokens: 200, latency_ms: 0 });
        await input.emit('tool_call', { turn, tool: 'bash', args: { command: 'npm test' }, is_error: false });
        await input.reportUsage(usage);
      }
      if (d.sleep) await wait(Number(d.sleep), cut);
      if (signal.aborted) return { outcome: 'cancelled', summary: 'cancelled', usage };
      if (input.interrupt?.aborted) return interrupted();
      if (d.fail) {
        const parsed = TaskFailureCodeSchema.safeParse(d.fail);
        const code: TaskFailureCode = parsed.success ? parsed.data : 'AGENT_FAILED';
        return {
          outcome: 'failed',
          summary: 'fake failure',
          usage,
          error: { code, message: `fake agent failed with ${code}` },
        };
      }
      const marker = `ABCA fake agent change for task ${task.task_id}`;
      const already = await input.sandbox.exec(`git log --format=%H --grep=${JSON.stringify(marker)} -n 1`);
      let commit = already.stdout.trim();
      if (!commit) {
        const made = await input.sandbox.exec(
          `printf '%s\\n' ${JSON.stringify(marker)} >> ABCA_FAKE_CHANGE.md && git add ABCA_FAKE_CHANGE.md && git commit -q -m ${JSON.stringify(marker)} && git rev-parse HEAD`,
        );
        if (made.exitCode !== 0) throw new Error(`fake agent could not commit: ${made.stderr}`);
        commit = made.stdout.trim().split('\n').pop() ?? '';
        await effects.record(task.task_id, 'agent.commit', { commit, usage });
        await effects.pause(signal);
      }
      const outcome = OUTCOMES.find((o) => o === d.outcome) ?? 'completed';
      return {
        outcome,
        commit,
        summary: `Fake agent made commit ${commit.slice(0, 7)} in ${turns} turns.`,
        usage,
      };
    },
  };
}
