/**
 * Agent loop overhead per turn: a run of N turns against a zero-latency scripted model (each turn
 * calls a no-op tool), compared with bare HTTP round trips to the same server. The difference is
 * what the loop, the AI SDK and the provider adapter add to every turn.
 */
import { createScriptedModelServer, reply } from '@abca/model-kit';
import { z } from 'zod';
import { createModel, defineTool, runAgent } from '../packages/agent/src/index.ts';
import type { Sandbox } from '../packages/agent/src/sandbox-port.ts';
import { type BenchResult, paired, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const TURNS = 40;
const RUNS = benchConfig.runs;

/** Never used: the bench's only tool does not touch the sandbox. */
const noSandbox: Sandbox = {
  id: 'bench',
  kind: 'none',
  workspacePath: '/workspace',
  exec: () => Promise.reject(new Error('no sandbox in the bench')),
  readFile: () => Promise.reject(new Error('no sandbox in the bench')),
  writeFile: () => Promise.reject(new Error('no sandbox in the bench')),
  stop: async () => {},
};

const noop = defineTool({
  name: 'noop',
  description: 'Does nothing.',
  parameters: z.object({ n: z.number() }),
  execute: async (args) => ({ output: `ok ${args.n}` }),
});

async function agentMsPerTurn(stream: boolean): Promise<number> {
  const server = await createScriptedModelServer();
  try {
    for (let i = 0; i < TURNS - 1; i++)
      server.script(reply().tool('noop', { n: i }).usage({ input: 100, output: 10 }));
    server.script(reply().text('done').usage({ input: 100, output: 10 }));
    const created = createModel('openai:gpt-4o', {
      credentials: { openai: { apiKey: 'bench' } },
      baseUrls: { openai: server.baseUrl },
    });
    if (!created.ok) throw new Error(created.error.message);
    const started = performance.now();
    const result = await runAgent({
      model: created.value.model,
      modelRef: created.value.ref,
      sandbox: noSandbox,
      tools: [noop],
      system: 'bench',
      prompt: 'bench',
      limits: { maxTurns: TURNS + 1 },
      stream,
      onEvent: () => {},
      saveTranscript: async () => {},
    });
    const elapsed = performance.now() - started;
    if (result.outcome !== 'completed' || result.turns !== TURNS) {
      throw new Error(`bench run ended ${result.outcome} after ${result.turns} turns`);
    }
    return elapsed / TURNS;
  } finally {
    await server.close();
  }
}

async function bareMsPerRoundTrip(): Promise<number> {
  const server = await createScriptedModelServer();
  try {
    for (let i = 0; i < TURNS; i++) server.script(reply().text('done'));
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'bench' }] });
    const started = performance.now();
    for (let i = 0; i < TURNS; i++) {
      const response = await fetch(`${server.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body,
      });
      await response.json();
    }
    return (performance.now() - started) / TURNS;
  } finally {
    await server.close();
  }
}

/**
 * Per-turn time of the agent loop, without and with streaming, against a bare HTTP round trip:
 * each measured in turns with the baseline, the median of the runs with its spread.
 */
export async function run(): Promise<BenchResult[]> {
  await agentMsPerTurn(false); // warm-up: module loading, JIT, connection pool
  const results: BenchResult[] = [];
  for (const stream of [false, true]) {
    const name = `agent_turn_ms_${stream ? 'stream' : 'no_stream'}`;
    results.push(
      await paired(RUNS, name, 'ms', () => agentMsPerTurn(stream), 'http_round_trip_ms', bareMsPerRoundTrip),
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Agent loop overhead per turn', results);
  process.exit(0);
}
