/**
 * Test wiring: a real temp git repository, a sandbox on it, a scripted model server over HTTP, and
 * `runAgent` with every event and saved transcript recorded.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { createBubblewrapBackend } from '@abca/sandbox';
import { afterEach, beforeEach } from 'vitest';
import {
  type AgentEvent,
  type AgentResult,
  type AgentTranscript,
  createModel,
  type RunAgentOptions,
  runAgent,
} from '../../src/index.ts';
import type { Sandbox } from '../../src/sandbox-port.ts';

export { reply, type ScriptedModelServer };

export const TEST_SH = `#!/bin/bash
if grep -q "hello ABCA" hello.txt; then echo PASS; else echo "FAIL: hello.txt does not greet ABCA"; exit 1; fi
`;

export interface Workspace {
  dir: string;
  sandbox: Sandbox;
  /** Runs git on the host side of the workspace (as the test user, so ownership checks are off). */
  git(...args: string[]): string;
  dispose(): Promise<void>;
}

let sandboxes = 0;

/**
 * A temp git repo with `hello.txt`, `test.sh` and `extraFiles`, one commit, and a bubblewrap
 * sandbox over it. Bubblewrap is required: the tests fail (not skip) when it is missing.
 */
export async function createWorkspace(extraFiles: Record<string, string> = {}): Promise<Workspace> {
  const backend = createBubblewrapBackend();
  const availability = await backend.available();
  if (!availability.ok) {
    throw new Error(`bubblewrap sandbox unavailable: ${availability.reason} (${availability.remedy})`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'abca-agent-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'safe.directory=*', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'ABCA Test');
  git('config', 'user.email', 'test@abca.invalid');
  await writeFile(join(dir, 'hello.txt'), 'hello world\n');
  await writeFile(join(dir, 'test.sh'), TEST_SH, { mode: 0o755 });
  for (const [path, content] of Object.entries(extraFiles)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  const sandbox = await backend.create({
    taskId: `agent-test-${process.pid}-${++sandboxes}`,
    workspaceDir: dir,
  });
  return {
    dir,
    sandbox,
    git,
    async dispose() {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { createScriptedModelServer };

export type Protocol = 'openai' | 'anthropic' | 'openai-compatible';

/** A model client for `protocol` pointed at the scripted server. */
export function modelFor(server: ScriptedModelServer, protocol: Protocol = 'openai') {
  const ref =
    protocol === 'anthropic'
      ? 'anthropic:claude-sonnet-4-5'
      : protocol === 'openai'
        ? 'openai:gpt-4o'
        : 'openai-compatible:qwen3';
  const created = createModel(ref, {
    credentials: { anthropic: { apiKey: 'test-key' }, openai: { apiKey: 'test-key' } },
    baseUrls: { anthropic: server.baseUrl, openai: server.baseUrl, 'openai-compatible': server.baseUrl },
  });
  if (!created.ok) throw new Error(created.error.message);
  return { model: created.value.model, modelRef: ref };
}

export interface Recorded {
  result: AgentResult;
  events: AgentEvent[];
  saved: AgentTranscript[];
}

/** Runs the agent with recording callbacks; `overrides` replace any option. */
export async function run(
  ws: Workspace,
  server: ScriptedModelServer,
  overrides: Partial<RunAgentOptions> & { protocol?: Protocol } = {},
): Promise<Recorded> {
  const events: AgentEvent[] = [];
  const saved: AgentTranscript[] = [];
  const { protocol, ...rest } = overrides;
  const result = await runAgent({
    ...modelFor(server, protocol),
    sandbox: ws.sandbox,
    system: 'You are a coding agent. Work in the repository and commit your changes.',
    prompt: 'Make hello.txt greet ABCA and make test.sh pass.',
    limits: { maxTurns: 20 },
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    onEvent: (event) => {
      events.push(event);
    },
    saveTranscript: async (transcript) => {
      saved.push(transcript);
    },
    ...rest,
  });
  return { result, events, saved };
}

/** Events of one type, typed. */
export function ofType<T extends AgentEvent['type']>(events: AgentEvent[], type: T) {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

/**
 * A fresh workspace and scripted model server for every test of the calling `describe` block,
 * closed after each; `bind` receives them.
 */
export function useRunContext(
  bind: (ctx: { ws: Workspace; server: ScriptedModelServer }) => void,
  files: Record<string, string> = {},
): void {
  let ctx: { ws: Workspace; server: ScriptedModelServer } | undefined;
  beforeEach(async () => {
    ctx = { ws: await createWorkspace(files), server: await createScriptedModelServer() };
    bind(ctx);
  });
  afterEach(async () => {
    await ctx?.server.close();
    await ctx?.ws.dispose();
  });
}
