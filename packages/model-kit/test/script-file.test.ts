import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScriptedModelServer,
  loadScript,
  parseScript,
  replyFromJson,
  ScriptFileError,
} from '../src/index.ts';
import { PROVIDERS } from './support/providers.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-kit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeScript(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('script file', () => {
  it('turns JSON entries into replies', async () => {
    const replies = parseScript([
      { text: 'hello' },
      { tool: { name: 'bash', input: { command: 'ls' } } },
      {
        text: 'both',
        tool: [
          { name: 'a', input: {} },
          { name: 'b', id: 'call_b' },
        ],
        usage: { input: 9, output: 2 },
      },
      { toolRaw: { name: 'bash', arguments: '{not json' } },
      { error: { status: 429, retryAfterSeconds: 1 } },
      { hang: true },
      { drop: true, text: 'partial' },
      { empty: true, delayMs: 5 },
    ]).map((builder) => builder.build());

    expect(replies.map((r) => r.outcome.kind)).toEqual([
      'message',
      'message',
      'message',
      'message',
      'error',
      'hang',
      'drop',
      'message',
    ]);
    expect(replies[1]?.parts).toEqual([
      { type: 'tool-call', name: 'bash', arguments: '{"command":"ls"}', id: undefined },
    ]);
    expect(replies[2]?.parts.map((p) => p.type)).toEqual(['text', 'tool-call', 'tool-call']);
    expect(replies[2]?.parts[2]).toMatchObject({ name: 'b', arguments: '{}', id: 'call_b' });
    expect(replies[2]?.usage).toEqual({ input: 9, output: 2 });
    expect(replies[3]?.parts[0]).toMatchObject({ arguments: '{not json' });
    expect(replies[4]?.outcome).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(replies[7]).toMatchObject({ parts: [], delayMs: 5 });
  });

  it('drives a server like the builder does', async () => {
    const server = await createScriptedModelServer();
    try {
      server.script(replyFromJson({ text: 'from json' }));
      const result = await generateText({ model: PROVIDERS[0]!.model(server), prompt: 'hi' });
      expect(result.text).toBe('from json');
    } finally {
      await server.close();
    }
  });

  it('rejects a bad file with every problem and where it is', async () => {
    const path = await writeScript('bad.json', [
      { text: 'fine' },
      { error: { status: 200 } },
      { tool: { input: {} } },
      { hang: true, drop: true },
      { txt: 'typo' },
    ]);

    const error = await loadScript(path).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ScriptFileError);
    const message = (error as Error).message;
    expect(message).toContain(`invalid script ${path}`);
    expect(message).toMatch(/\[1\]\.error\.status: .*>=400/);
    expect(message).toMatch(/\[2\]\.tool\.name: .*expected string/);
    expect(message).toContain('[3]: give at most one of hang, drop');
    expect(message).toMatch(/\[4\]: .*txt/);
    expect(message).not.toContain('[0]');
  });

  it('names the file when it is not JSON or not an array', async () => {
    const notJson = await writeScript('broken.json', '[{"text": ');
    const notArray = await writeScript('object.json', { text: 'hi' });

    await expect(loadScript(notJson)).rejects.toThrow(`script ${notJson} is not valid JSON`);
    await expect(loadScript(notArray)).rejects.toThrow(/\(top level\): .*expected array/);
    expect(() => replyFromJson({})).toThrow(
      /give one of text, tool, toolRaw, error, contextLengthExceeded, hang, drop, empty/,
    );
  });
});

/** Starts the CLI with tsx, as a user's CI would, and reads its stdout as JSON lines. */
function startCli(args: string[]): {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  stderr: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, stderr: () => stderr };
}

async function nextJsonLine(lines: AsyncIterator<string>): Promise<Record<string, unknown>> {
  const next = await lines.next();
  if (next.done) throw new Error('the CLI closed stdout');
  return JSON.parse(next.value) as Record<string, unknown>;
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('cli', () => {
  it('serves a script file, logs each request as a JSON line and stops on SIGTERM', async () => {
    const path = await writeScript('ok.json', [{ text: 'scripted from a file' }]);
    const { child, lines } = startCli(['--script', path, '--port', '0']);
    try {
      const listening = await nextJsonLine(lines);
      expect(listening).toMatchObject({ event: 'listening', replies: 1 });
      const baseUrl = String(listening.baseUrl);
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

      const result = await generateText({ model: PROVIDERS[1]!.model({ baseUrl }), prompt: 'hi' });

      expect(result.text).toBe('scripted from a file');
      const logged = await nextJsonLine(lines);
      expect(logged).toMatchObject({
        event: 'request',
        id: 1,
        protocol: 'openai-chat',
        stream: false,
        model: 'gpt-4o',
      });
      expect(logged.headers).toMatchObject({ authorization: '[redacted]' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('exits 1 with a clear message for a bad script file', async () => {
    const path = await writeScript('cli-bad.json', [{ error: { status: 'often' } }]);
    const { child, stderr } = startCli(['--script', path]);

    expect(await exitOf(child)).toBe(1);
    expect(stderr()).toContain(`model-kit: invalid script ${path}:`);
    expect(stderr()).toMatch(/\[0\]\.error\.status: .*expected number/);
  });
});
