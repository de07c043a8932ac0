#!/usr/bin/env node
// The `abca` command: silences one harmless pg warning, registers tsx so the TypeScript sources
// run as they are, then hands over to src/main.ts.

const PG_NOISE = 'Calling client.query() when the client is already executing a query';
const emitWarning = process.emitWarning;
process.emitWarning = function filteredEmitWarning(warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
  if (text.includes(PG_NOISE)) return;
  return emitWarning.call(process, warning, ...rest);
};

const { register } = await import('tsx/esm/api');
register();
const { run } = await import('../src/main.ts');
await run(process.argv, process.env);
