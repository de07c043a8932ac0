import { TASK_EVENT_TYPES, TaskEvent, type TaskEventInput, type TaskEventRecord } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { describeEvent } from './format-event.ts';
import { colorsFor } from './output.ts';

const c = colorsFor({ isTTY: false } as NodeJS.WriteStream, { NO_COLOR: '1' });
const record = (e: { type: string; data: unknown }, seq = 1): TaskEventRecord => ({
  task_id: 'T',
  seq,
  type: e.type,
  at: '2026-01-01T00:00:00Z',
  data: e.data as Record<string, unknown>,
});
const usage = {
  input_tokens: 3000,
  output_tokens: 600,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: 0.018,
};

/** One event of every type, as the server writes them (typed: a wrong payload does not compile). */
const EXAMPLES: TaskEventInput[] = [
  { type: 'task.created', data: { status: 'SUBMITTED', repo: 'acme/app', user_id: 'alice' } },
  {
    type: 'task.status_changed',
    data: { from: 'SUBMITTED', to: 'QUEUED', reason: 'user_cap', queue_position: 2 },
  },
  { type: 'task.admitted', data: {} },
  { type: 'task.nudge_queued', data: { nudge_id: '01N', chars: 12 } },
  { type: 'step.started', data: { step: 'hydration', attempt: 1, executor_id: 'host-serve-1' } },
  { type: 'hydration.warning', data: { message: '.abca/config.yaml: unknown key `foo` ignored' } },
  {
    type: 'hydration.completed',
    data: { prompt_chars: 5120, instructions: ['AGENTS.md'], issue: 42, pull_request: null },
  },
  {
    type: 'step.completed',
    data: { step: 'hydration', attempt: 1, duration_ms: 840, result: 'continue', outcome: 'succeeded' },
  },
  {
    type: 'preflight.workspace_ready',
    data: { base_commit: 'abc1234def5678', sandbox: 'bubblewrap', forge_access_ms: 12, workspace_ms: 300 },
  },
  {
    type: 'preflight.setup',
    data: {
      ok: false,
      exit_code: 1,
      duration_ms: 4200,
      output_tail: 'npm ERR! code E404\nnpm ERR! 404 Not Found\n',
    },
  },
  { type: 'preflight.baseline', data: { check: 'test', ok: true, exit_code: 0, duration_ms: 15_300 } },
  { type: 'env_cache.miss', data: { reason: 'key_changed', key: 'e3b0c44298fc' } },
  {
    type: 'env_cache.hit',
    data: { key: 'e3b0c44298fc', bytes: 48_000_000, files: 12_400, duration_ms: 900, baseline_reused: true },
  },
  {
    type: 'env_cache.saved',
    data: { key: 'e3b0c44298fc', bytes: 48_000_000, files: 12_400, duration_ms: 2100 },
  },
  { type: 'env_cache.save_skipped', data: { reason: 'tracked_files_changed', detail: 'package.json' } },
  {
    type: 'env_cache.save_failed',
    data: { reason: 'no_space', key: 'e3b0c44298fc', message: 'No space left on device' },
  },
  { type: 'preflight.passed', data: { forge: 'git', agent_runtime: 'builtin' } },
  {
    type: 'preflight.failed',
    data: { check: 'setup', code: 'SETUP_FAILED', message: 'The setup command failed (exit 1).' },
  },
  { type: 'workspace.restored', data: { head: 'abc1234def', executor_id: 'host-b-worker-1' } },
  { type: 'workspace.recreated', data: { base_commit: 'fff0000', executor_id: 'host-b-worker-2' } },
  { type: 'workspace.setup', data: { ok: true, exit_code: 0, duration_ms: 900 } },
  { type: 'workspace.checkpoint_saved', data: { head: 'abc1234def', bytes: 2048 } },
  {
    type: 'workspace.checkpoint_failed',
    data: { code: 'WORK_TOO_LARGE', message: 'The work is over 64 MiB.' },
  },
  { type: 'agent.resumed', data: { turns: 3 } },
  {
    type: 'agent.context_pruned',
    data: { turn: 4, outputs: 2, tokens_before: 7000, tokens_after: 3000, window_tokens: 8000 },
  },
  {
    type: 'agent.context_compacted',
    data: {
      turn: 4,
      reason: 'context_length_error',
      tokens_before: 9000,
      tokens_after: 1200,
      window_tokens: 8000,
      kept_messages: 2,
      summary_chars: 900,
    },
  },
  { type: 'agent.interrupted', data: { turns: 3 } },
  { type: 'step.interrupted', data: { step: 'agent-execution', attempt: 1, duration_ms: 1200 } },
  { type: 'agent.turn_started', data: { turn: 4, wrap_up: false } },
  {
    type: 'agent.model_call',
    data: {
      turn: 4,
      model_ref: 'anthropic:claude-sonnet-4-5',
      input_tokens: 1000,
      output_tokens: 200,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: 0.006,
      latency_ms: 2300,
      retries: 1,
      finish_reason: 'tool-calls',
    },
  },
  {
    type: 'agent.message',
    data: { turn: 4, text: 'The failing test reads a stale fixture.\nI will fix it and re-run.' },
  },
  {
    type: 'agent.tool_started',
    data: { turn: 4, tool_call_id: 'c1', tool: 'bash', args_preview: 'npm test -- --runInBand' },
  },
  {
    type: 'agent.tool_output',
    data: {
      turn: 4,
      tool_call_id: 'c1',
      tool: 'bash',
      tail: 'PASS src/a.test.ts\nPASS src/b.test.ts\nRUNS src/c.test.ts\n',
      bytes: 20_480,
      elapsed_ms: 65_000,
    },
  },
  {
    type: 'agent.tool_call',
    data: {
      turn: 4,
      tool_call_id: 'c1',
      tool: 'bash',
      args: { command: 'npm test -- --runInBand' },
      result: 'Tests: 1 failed, 41 passed\n[exit code: 1]',
      is_error: true,
      duration_ms: 92_000,
      truncated: false,
    },
  },
  { type: 'agent.nudge_received', data: { turn: 5, message: 'Please also update the changelog.' } },
  { type: 'agent.limit_reached', data: { turn: 6, limit: 'max_turns', value: 6, threshold: 6 } },
  {
    type: 'agent.steering',
    data: { turn: 6, reason: 'repeated_failure', message: 'You ran the same failing command three times.' },
  },
  { type: 'agent.turn_completed', data: { turn: 6, tool_calls: 2, text: 'Done.', usage } },
  {
    type: 'agent.agent_finished',
    data: { outcome: 'max_turns', turns: 6, usage, final_text: 'Fixed the fixture; changelog updated.' },
  },
  { type: 'agent.finished', data: { outcome: 'max_turns', turns: 6, cost_usd: 0.018 } },
  {
    type: 'finalization.validation',
    data: {
      mode: 'regression_only',
      passed: false,
      failing: ['test'],
      checks: [
        { name: 'build', ok: true, exit_code: 0, baseline_ok: true },
        { name: 'test', ok: false, exit_code: 1, baseline_ok: true },
      ],
    },
  },
  { type: 'finalization.pushed', data: { branch: 'abca/01n/fix', commit: '0123456789abcdef', commits: 2 } },
  {
    type: 'finalization.pr_opened',
    data: { number: 12, url: 'https://github.com/acme/app/pull/12', draft: true },
  },
  {
    type: 'review.posted',
    data: {
      pull_request: 12,
      verdict: 'request_changes',
      comments: 2,
      moved: 1,
      url: 'https://github.com/acme/app/pull/12#pullrequestreview-1',
    },
  },
  {
    type: 'review.output_invalid',
    data: {
      attempt: 1,
      error: 'verdict: Invalid enum value',
      raw: '{"summary": "ok", "verdict": "lgtm"}',
      raw_chars: 36,
      will_retry: true,
    },
  },
  { type: 'review.retry', data: { attempt: 2, error: 'verdict: Invalid enum value' } },
  {
    type: 'sandbox.egress_blocked',
    data: { host: 'evil.example.com', port: 443, reason: 'not_allowlisted' },
  },
  { type: 'sandbox.warning', data: { message: 'memory limit not applied: no cgroup v2' } },
  {
    type: 'step.failed',
    data: { step: 'finalization', attempt: 2, duration_ms: 1200, error: 'push refused', will_retry: true },
  },
  {
    type: 'pr.iteration_context',
    data: { pull_request: 7, threads: 2, conversation: 1, failing_checks: 0, since: '2026-01-01T00:00:00Z' },
  },
  { type: 'pr.thread_replied', data: { pull_request: 7, thread: 'T1', thread_id: '41', resolved: true } },
  { type: 'pr.body_updated', data: { pull_request: 7, tasks: 2 } },
  {
    type: 'memory.retrieved',
    data: {
      records: [{ id: 'mem_01', kind: 'review_rule', title: 'Use the repo logger, not console' }],
      chars: 420,
      left_out: 2,
      stale_citations: 0,
    },
  },
  {
    type: 'memory.written',
    data: { id: 'mem_02', kind: 'episode', title: 'Fix the greeting', supersedes: null },
  },
  {
    type: 'memory.learned',
    data: {
      what: 'repo_knowledge',
      model: 'anthropic:claude-haiku-4-5',
      cost_usd: 0.0012,
      written: 2,
      refused: 1,
    },
  },
  { type: 'memory.learning_failed', data: { what: 'review_rules', message: 'the answer is not JSON' } },
  {
    type: 'approval.requested',
    data: {
      approval_id: 'apr_01',
      gate: 'push',
      request: {
        gate: 'push',
        branch: 'abca/01n/fix',
        commits: 2,
        diff_stat: '2 commits, 1 file changed',
        validation_passed: true,
      },
      expires_at: '2026-12-03T10:00:00.000Z',
    },
  },
  {
    type: 'step.completed',
    data: {
      step: 'finalization',
      attempt: 1,
      duration_ms: 2100,
      result: 'await',
      outcome: 'awaiting_approval',
      status: 'AWAITING_APPROVAL',
    },
  },
  {
    type: 'approval.decided',
    data: {
      approval_id: 'apr_01',
      gate: 'push',
      state: 'denied',
      by: 'alice',
      channel: 'slack',
      reason: 'Not this week.',
      plan_edited: false,
    },
  },
];

const render = (verbose: boolean) =>
  EXAMPLES.map((e, i) => describeEvent(record(e, i + 1), c, { verbose }))
    .filter(Boolean)
    .join('\n');

describe('task event lines', () => {
  it('has an example of every event type, each valid against the contract', () => {
    expect(new Set(EXAMPLES.map((e) => e.type))).toEqual(new Set(TASK_EVENT_TYPES));
    for (const [i, e] of EXAMPLES.entries()) expect(TaskEvent.safeParse(record(e, i)).success).toBe(true);
  });

  it('says every type in words, never its raw name', () => {
    for (const e of EXAMPLES) {
      const line = describeEvent(record(e), c, { verbose: true });
      expect(line, e.type).not.toBe('');
      expect(line, e.type).not.toContain(e.type);
      expect(line, e.type).not.toMatch(/\b(agent|task|step|preflight|workspace|finalization)\.[a-z_]+/);
    }
  });

  it('prints the concise live view', () => {
    expect(render(false)).toMatchInlineSnapshot(`
      "submitted to acme/app by alice
      status SUBMITTED → QUEUED (user cap), queue position 2
      admitted: a slot is free
      nudge queued (12 chars); the agent reads it before its next turn
      ▶ hydration
        warning: .abca/config.yaml: unknown key \`foo\` ignored
        context ready: 5120 chars, with issue #42; read AGENTS.md
      ✓ hydration 840 ms
        workspace ready in a bubblewrap sandbox at abc1234
        setup command failed 4.2 s
          │ npm ERR! code E404
          │ npm ERR! 404 Not Found
        baseline test: pass 15.3 s
        environment not in the cache (a lockfile or key file changed)
        environment from the cache: 12400 files, 45.8 MB 900 ms; setup skipped, baseline reused
        environment saved to the cache: 12400 files, 45.8 MB 2.1 s
        environment not saved to the cache (setup changed tracked files): package.json
        environment could not be saved to the cache (disk full): No space left on device; the task goes on
        pre-flight checks passed
        pre-flight failed (setup): SETUP_FAILED The setup command failed (exit 1).
        moved to worker host-b-worker-1: workspace restored from the checkpoint
        moved to worker host-b-worker-2: new workspace, the agent starts over
        setup command in the new workspace passed
        saved a checkpoint of the work (abc1234)
        checkpoint not saved: WORK_TOO_LARGE The work is over 64 MiB.
        resumed from the saved transcript after 3 turns
        context: 2 older tool outputs pruned (about 7000 → 3000 of 8000 tokens)
        context compacted into a summary after the model refused a prompt too long (about 9000 → 1200 tokens)
        agent stopped at a turn boundary after 3 turns (server stopping); its transcript is saved
      ⏸ agent-execution interrupted by a server stop; it resumes on the next start
        turn 4
          model: 1000 in / 200 out tokens, 2.3 s after 1 retry
          → bash: npm test -- --runInBand
            … bash running 1m 05s, 20.0 KB of output
            │ RUNS src/c.test.ts
          ✗ bash: npm test -- --runInBand 1m 32s: Tests: 1 failed, 41 passed [exit code: 1]
          nudge read: "Please also update the changelog."
        limit reached: max turns (6 of 6); the agent wraps up
        steering: repeated failure; the agent is told to change approach
        agent finished: max turns after 6 turns, $0.0180
        validation (regression only): failed — build pass, test fail
        pushed 2 commits to abca/01n/fix (0123456)
        opened draft pull request #12 https://github.com/acme/app/pull/12
        posted a review (request changes) on pull request #12: 2 line comments, 1 moved to the summary (outside the diff) https://github.com/acme/app/pull/12#pullrequestreview-1
        the agent's review is not valid (answer 1, 36 chars): verdict: Invalid enum value; it is asked once more
        asked the agent again for its review (attempt 2)
          blocked network request to evil.example.com:443 (not allowlisted)
        sandbox: memory limit not applied: no cgroup v2
      ✗ finalization (attempt 2) failed 1.2 s: push refused (will retry)
        pull request #7: 2 open review threads, 1 new comment since the last push, 0 failing checks
        answered review thread T1 on pull request #7 and resolved it
        updated the validation and cost of pull request #7 (2 tasks)
        memory: 1 record in the prompt (420 chars), 2 left out
        remembered (episode): Fix the greeting
        learned (repo knowledge): 2 records, 1 refused with anthropic:claude-haiku-4-5 ($0.0012)
        learning failed (review rules): the answer is not JSON
      ⏸ waiting for approval of the push (apr_01, until 2026-12-03T10:00:00.000Z): push 2 commits to abca/01n/fix
      ⏸ finalization waits for approval 2.1 s; it goes on after the decision
      ✗ push denied by alice (slack): Not this week."
    `);
  });

  it('prints the verbose view with what the agent says', () => {
    expect(render(true)).toMatchInlineSnapshot(`
      "submitted to acme/app by alice
      status SUBMITTED → QUEUED (user cap), queue position 2
      admitted: a slot is free
      nudge queued (12 chars); the agent reads it before its next turn
      ▶ hydration
        warning: .abca/config.yaml: unknown key \`foo\` ignored
        context ready: 5120 chars, with issue #42; read AGENTS.md
      ✓ hydration 840 ms
        workspace ready in a bubblewrap sandbox at abc1234
        setup command failed 4.2 s
          │ npm ERR! code E404
          │ npm ERR! 404 Not Found
        baseline test: pass 15.3 s
        environment not in the cache (a lockfile or key file changed)
        environment from the cache: 12400 files, 45.8 MB 900 ms; setup skipped, baseline reused
        environment saved to the cache: 12400 files, 45.8 MB 2.1 s
        environment not saved to the cache (setup changed tracked files): package.json
        environment could not be saved to the cache (disk full): No space left on device; the task goes on
        pre-flight checks passed
        pre-flight failed (setup): SETUP_FAILED The setup command failed (exit 1).
        moved to worker host-b-worker-1: workspace restored from the checkpoint
        moved to worker host-b-worker-2: new workspace, the agent starts over
        setup command in the new workspace passed
        saved a checkpoint of the work (abc1234)
        checkpoint not saved: WORK_TOO_LARGE The work is over 64 MiB.
        resumed from the saved transcript after 3 turns
        context: 2 older tool outputs pruned (about 7000 → 3000 of 8000 tokens)
        context compacted into a summary after the model refused a prompt too long (about 9000 → 1200 tokens)
        agent stopped at a turn boundary after 3 turns (server stopping); its transcript is saved
      ⏸ agent-execution interrupted by a server stop; it resumes on the next start
        turn 4
          model: 1000 in / 200 out tokens, 2.3 s after 1 retry
          agent says:
            The failing test reads a stale fixture.
            I will fix it and re-run.
          → bash: npm test -- --runInBand
            … bash running 1m 05s, 20.0 KB of output
            │ PASS src/a.test.ts
            │ PASS src/b.test.ts
            │ RUNS src/c.test.ts
          ✗ bash: npm test -- --runInBand 1m 32s: Tests: 1 failed, 41 passed [exit code: 1]
          nudge read: "Please also update the changelog."
        limit reached: max turns (6 of 6); the agent wraps up
        steering: repeated failure; the agent is told to change approach
          turn 6 done: 2 tool calls, 3600 tokens and $0.0180 so far
        agent loop ended: max turns after 6 turns
        agent finished: max turns after 6 turns, $0.0180
        validation (regression only): failed — build pass, test fail
        pushed 2 commits to abca/01n/fix (0123456)
        opened draft pull request #12 https://github.com/acme/app/pull/12
        posted a review (request changes) on pull request #12: 2 line comments, 1 moved to the summary (outside the diff) https://github.com/acme/app/pull/12#pullrequestreview-1
        the agent's review is not valid (answer 1, 36 chars): verdict: Invalid enum value; it is asked once more
          │ {"summary": "ok", "verdict": "lgtm"}
        asked the agent again for its review (attempt 2)
          blocked network request to evil.example.com:443 (not allowlisted)
        sandbox: memory limit not applied: no cgroup v2
      ✗ finalization (attempt 2) failed 1.2 s: push refused (will retry)
        pull request #7: 2 open review threads, 1 new comment since the last push, 0 failing checks
        answered review thread T1 on pull request #7 and resolved it
        updated the validation and cost of pull request #7 (2 tasks)
        memory: 1 record in the prompt (420 chars), 2 left out
          review_rule mem_01: Use the repo logger, not console
        remembered (episode): Fix the greeting
        learned (repo knowledge): 2 records, 1 refused with anthropic:claude-haiku-4-5 ($0.0012)
        learning failed (review rules): the answer is not JSON
      ⏸ waiting for approval of the push (apr_01, until 2026-12-03T10:00:00.000Z): push 2 commits to abca/01n/fix
      ⏸ finalization waits for approval 2.1 s; it goes on after the decision
      ✗ push denied by alice (slack): Not this week."
    `);
  });

  it('marks failed, cancelled, timed-out and skipped steps as such, never with ✓', () => {
    const ended = (outcome: string, extra: Record<string, unknown> = {}) =>
      describeEvent(
        record({
          type: 'step.completed',
          data: { step: 'agent-execution', attempt: 1, duration_ms: 3400, result: 'stop', outcome, ...extra },
        }),
        c,
      );
    const lines = [
      ended('succeeded', { result: 'continue' }),
      ended('failed', { status: 'FAILED', error: 'AGENT_STUCK' }),
      ended('cancelled', { status: 'CANCELLED' }),
      ended('timed_out', { result: 'continue' }),
      ended('skipped', { result: 'continue' }),
    ];
    expect(lines.join('\n')).toMatchInlineSnapshot(`
      "✓ agent-execution 3.4 s
      ✗ agent-execution failed: AGENT_STUCK 3.4 s
      ⊘ agent-execution cancelled 3.4 s
      ⏱ agent-execution ran out of time 3.4 s; the work so far goes on
      – agent-execution skipped: done by an earlier attempt"
    `);
    expect(lines.slice(1).some((l) => l.includes('✓'))).toBe(false);
  });

  it('says which issue the context holds (the number the server sends)', () => {
    const line = describeEvent(
      record({
        type: 'hydration.completed',
        data: { prompt_chars: 10, instructions: [], issue: 7, pull_request: null },
      }),
      c,
    );
    expect(line).toBe('  context ready: 10 chars, with issue #7');
  });

  it('reads an unknown type or an old payload without failing', () => {
    expect(describeEvent(record({ type: 'agent.time_travelled', data: { turn: 3 } }), c)).toBe(
      'event agent.time_travelled (not known to this CLI) {"turn":3}',
    );
    // An old row of step.completed, from before steps said how they ended.
    expect(
      describeEvent(
        record({
          type: 'step.completed',
          data: { step: 'admission', attempt: 1, duration_ms: 5, result: 'continue' },
        }),
        c,
      ),
    ).toBe('step ended {"step":"admission","attempt":1,"duration_ms":5,"result":"continue"}');
  });
});
