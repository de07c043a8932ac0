import { type TaskFailureCode, TaskFailureCode as TaskFailureCodeSchema } from '@abca/contracts';
import type { AgentOutcome, AgentRuntime, AgentUsage } from '../../ports/agent-runtime.ts';
import type { FakeEffects } from '../fake-effects.ts';

/**
 * Directives a task description may carry to steer the fake agent, e.g.
 * `[fake:turns=3] [fake:turn_ms=500] [fake:sleep=2000] [fake:fail=AGENT_STUCK] [fake:outcome=max_turns] [fake:preflight=SANDBOX_UNAVAILABLE]`,
 * and `[fake:bad_event=1]`: one event whose payload breaks its contract (the event check's own test).
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
      // A planning run reads nothing and proposes a fixed plan, naming its round.
      if (input.plan) {
        const zero: AgentUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
        if (signal.aborted) return { outcome: 'cancelled', summary: '', usage: zero };
        const plan = `Fake plan, round ${input.plan.round}:\n1. Add a line to ABCA_FAKE_CHANGE.md.\n2. Commit it.`;
        await input.emit('agent.message', { turn: 0, text: plan });
        return { outcome: 'completed', summary: plan, usage: zero };
      }
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
        await input.emit('agent.turn_started', { turn, wrap_up: false });
        for (const nudge of await input.readNudges())
          await input.emit('agent.nudge_received', { turn, message: nudge });
        await wait(Number(d.turn_ms ?? deps.turnDelayMs ?? 0), cut);
        if (input.interrupt?.aborted && !signal.aborted) return interrupted();
        usage.inputTokens += 1000;
        usage.outputTokens += 200;
        usage.costUsd = Math.round(((usage.inputTokens * 3 + usage.outputTokens * 15) / 1e6) * 1e6) / 1e6;
        usage.turns = turn;
        await input.emit('agent.model_call', {
          turn,
          model_ref: 'fake:agent',
          input_tokens: 1000,
          output_tokens: 200,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
          cost_usd: 0.006,
          latency_ms: 0,
          retries: 0,
          finish_reason: 'tool-calls',
        });
        if (d.bad_event) {
          // A payload that breaks its contract, for the test of the event check (ABCA_EVENT_CHECK_FILE).
          await (input.emit as (type: string, data: unknown) => Promise<void>)('agent.model_call', { turn });
        }
        const text = `Turn ${turn}: running the tests.`;
        await input.emit('agent.message', { turn, text });
        const call = { turn, tool_call_id: `fake-${turn}`, tool: 'bash' };
        // The tool-call gate sees the fake's command like any other; a held call pauses the run
        // (its turns are played again on resume, and the gate asked again about the same call).
        const verdict = (await input.gateToolCall?.({
          toolCallId: call.tool_call_id,
          toolName: 'bash',
          input: { command: 'npm test' },
          argsText: '{"command":"npm test"}',
        })) ?? { action: 'run' as const };
        if (verdict.action === 'wait') return { outcome: 'awaiting_approval', summary: '', usage };
        if (verdict.action === 'run')
          await input.emit('agent.tool_started', { ...call, args_preview: 'npm test' });
        await input.emit('agent.tool_call', {
          ...call,
          args: { command: 'npm test' },
          result: verdict.action === 'run' ? 'tests passed\n[exit code: 0]' : verdict.message,
          is_error: verdict.action !== 'run',
          duration_ms: 0,
          truncated: false,
        });
        await input.emit('agent.turn_completed', {
          turn,
          tool_calls: 1,
          text,
          usage: {
            input_tokens: usage.inputTokens,
            output_tokens: usage.outputTokens,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
            cost_usd: usage.costUsd,
          },
        });
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
      // One sandbox command: the commit a resumed run made already, or a new one.
      const q = JSON.stringify(marker);
      const res = await input.sandbox.exec(
        `c=$(git log --format=%H --grep=${q} -n 1 2>/dev/null) || c=''
if [ -n "$c" ]; then echo "already $c"; exit 0; fi
printf '%s\\n' ${q} >> ABCA_FAKE_CHANGE.md && git add ABCA_FAKE_CHANGE.md && git commit -q -m ${q} && echo "made $(git rev-parse HEAD)"`,
      );
      const [how, commit = ''] = res.stdout.trim().split('\n').pop()?.split(' ') ?? [];
      if (res.exitCode !== 0 || (how !== 'made' && how !== 'already'))
        throw new Error(`fake agent could not commit: ${res.stderr}`);
      if (how === 'made') {
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
