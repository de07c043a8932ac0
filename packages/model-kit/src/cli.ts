/**
 * Runs the scripted model server standalone, for CI jobs that test a program against it:
 *
 *   npx tsx packages/model-kit/src/cli.ts --port 8799 --script script.json
 *
 * stdout carries JSON lines only: first `{"event":"listening","url",...}`, then one
 * `{"event":"request",...}` per model request (credentials redacted). Humans read stderr.
 */
import { parseArgs } from 'node:util';
import type { RecordedRequest } from './recorded-request.ts';
import { loadScript, ScriptFileError } from './script-file.ts';
import { createScriptedModelServer } from './server.ts';

const USAGE = 'usage: model-kit [--port 0] [--host 127.0.0.1] [--script script.json]';
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization']);

function logLine(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function redacted(request: RecordedRequest): object {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      SECRET_HEADERS.has(name) ? '[redacted]' : value,
    ]),
  );
  const { rawBody: _raw, ...rest } = request;
  return { event: 'request', ...rest, headers };
}

function parsePort(text: string | undefined): number {
  const port = Number(text ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0-65535, got ${text}`);
  return port;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      script: { type: 'string', short: 's' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const replies = values.script ? await loadScript(values.script) : [];
  const server = await createScriptedModelServer({
    port: parsePort(values.port),
    host: values.host ?? '127.0.0.1',
  });
  server.script(...replies);
  server.onRequest((request) => {
    logLine(redacted(request));
    return undefined;
  });
  logLine({ event: 'listening', url: server.url, baseUrl: server.baseUrl, replies: replies.length });
  process.stderr.write(
    `model-kit: listening on ${server.url} (baseURL ${server.baseUrl}), ${replies.length} replies\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bad script file says what is wrong with it; anything else may be a bad command line.
    const usage = error instanceof ScriptFileError ? '' : `${USAGE}\n`;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exitCode = 1;
  },
);
